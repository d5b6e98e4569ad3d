/**
 * Constraint names from a SQLite `CREATE TABLE` statement.
 *
 * SQLite's pragmas describe unique constraints, foreign keys and checks but forget their names
 * (`sqlite_autoindex_product_1`, an id, nothing). The names live only in the table's SQL, which
 * `sqlite_master` keeps as written; this reads them back. It tokenizes rather than matching
 * regular expressions so quoted names, string literals and nested parentheses in a CHECK cannot
 * fool it.
 */

/** A named constraint of a table, with the columns it covers (none for checks). */
export interface NamedConstraint {
  readonly kind: 'unique' | 'foreignKey' | 'check' | 'primaryKey'
  readonly name: string
  readonly columns: readonly string[]
}

type Token =
  | { type: 'word'; value: string; quoted: boolean }
  | { type: 'open' | 'close' | 'comma' | 'other' }

/** Split SQL into words, parentheses and commas; string literals and comments are dropped. */
export function tokenize(sql: string): Token[] {
  const out: Token[] = []
  let i = 0
  const closing: Record<string, string> = { '"': '"', '`': '`', '[': ']' }
  while (i < sql.length) {
    const c = sql[i]!
    const punctuation = c === '(' ? 'open' : c === ')' ? 'close' : c === ',' ? 'comma' : undefined
    if (/\s/.test(c)) i++
    else if (punctuation !== undefined) {
      out.push({ type: punctuation })
      i++
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i)
      i = end === -1 ? sql.length : end + 1
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2)
      i = end === -1 ? sql.length : end + 2
    } else if (c === "'") {
      i++
      while (i < sql.length) {
        if (sql[i] === "'" && sql[i + 1] === "'") i += 2
        else if (sql[i] === "'") break
        else i++
      }
      i++
      out.push({ type: 'other' })
    } else if (closing[c] !== undefined) {
      const close = closing[c]!
      let value = ''
      i++
      while (i < sql.length) {
        if (sql[i] === close && sql[i + 1] === close && close !== ']') {
          value += close
          i += 2
        } else if (sql[i] === close) break
        else value += sql[i++]
      }
      i++
      out.push({ type: 'word', value, quoted: true })
    } else if (/[A-Za-z0-9_$]/.test(c)) {
      let value = ''
      while (i < sql.length && /[A-Za-z0-9_$]/.test(sql[i]!)) value += sql[i++]
      out.push({ type: 'word', value, quoted: false })
    } else {
      out.push({ type: 'other' })
      i++
    }
  }
  return out
}

function keyword(token: Token | undefined, ...words: string[]): boolean {
  return token?.type === 'word' && !token.quoted && words.includes(token.value.toUpperCase())
}

/** The column names of the parenthesized list starting at `tokens[start]` (an `open`). */
function columnList(tokens: readonly Token[], start: number): string[] {
  const out: string[] = []
  let depth = 0
  let first = true
  for (let i = start; i < tokens.length; i++) {
    const t = tokens[i]!
    if (t.type === 'open') depth++
    else if (t.type === 'close') {
      depth--
      if (depth === 0) break
    } else if (t.type === 'comma' && depth === 1) first = true
    else if (t.type === 'word' && depth === 1 && first) {
      out.push(t.value)
      first = false
    }
  }
  return out
}

/** Split the table body into its items (column definitions and table constraints). */
function items(tokens: readonly Token[]): Token[][] {
  const out: Token[][] = []
  const open = tokens.findIndex((t) => t.type === 'open')
  if (open === -1) return out
  let depth = 0
  let current: Token[] = []
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i]!
    if (t.type === 'open' && depth++ === 0) continue
    if (t.type === 'close' && --depth === 0) break
    if (t.type === 'comma' && depth === 1) {
      out.push(current)
      current = []
    } else current.push(t)
  }
  if (current.length > 0) out.push(current)
  return out
}

const TABLE_LEVEL = ['CONSTRAINT', 'UNIQUE', 'CHECK', 'FOREIGN', 'PRIMARY']

/**
 * The named constraints of a `CREATE TABLE` statement, table-level and column-level.
 *
 * @example
 * namedConstraints('CREATE TABLE "t" ("a" int, CONSTRAINT "uq_t__a" UNIQUE ("a"))')
 * // [{ kind: 'unique', name: 'uq_t__a', columns: ['a'] }]
 */
export function namedConstraints(sql: string): NamedConstraint[] {
  const out: NamedConstraint[] = []
  for (const item of items(tokenize(sql))) {
    const tableLevel = keyword(item[0], ...TABLE_LEVEL)
    const column = !tableLevel && item[0]?.type === 'word' ? item[0].value : undefined
    let depth = 0
    for (let i = 0; i < item.length; i++) {
      const t = item[i]!
      if (t.type === 'open') depth++
      else if (t.type === 'close') depth--
      if (depth !== 0 || !keyword(t, 'CONSTRAINT')) continue
      const nameToken = item[i + 1]
      if (nameToken?.type !== 'word') continue
      const name = nameToken.value
      const kindToken = item[i + 2]
      const listAt = (from: number) => {
        const at = item.findIndex((x, j) => j >= from && x.type === 'open')
        return at === -1 ? [] : columnList(item, at)
      }
      if (keyword(kindToken, 'UNIQUE'))
        out.push({ kind: 'unique', name, columns: tableLevel ? listAt(i + 3) : [column!] })
      else if (keyword(kindToken, 'PRIMARY'))
        out.push({ kind: 'primaryKey', name, columns: tableLevel ? listAt(i + 3) : [column!] })
      else if (keyword(kindToken, 'FOREIGN'))
        out.push({ kind: 'foreignKey', name, columns: listAt(i + 3) })
      else if (keyword(kindToken, 'REFERENCES') && column !== undefined)
        out.push({ kind: 'foreignKey', name, columns: [column] })
      else if (keyword(kindToken, 'CHECK')) out.push({ kind: 'check', name, columns: [] })
    }
  }
  return out
}
