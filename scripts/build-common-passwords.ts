/**
 * Generate `src/auth/passwords/common-passwords.txt.gz`, the list behind the `commonPassword()`
 * validator: the 20,000 most frequent entries of `@zxcvbn-ts/language-common`'s password list
 * (MIT, ordered by frequency), lower-cased, de-duplicated, one per line, gzipped. The output is
 * committed; this script and the dev dependency are not needed at runtime.
 *
 * Usage: `node scripts/build-common-passwords.ts [--count 20000]`
 */
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { constants, gzipSync } from 'node:zlib'
import { dictionary } from '@zxcvbn-ts/language-common'

const { values } = parseArgs({ options: { count: { type: 'string', default: '20000' } } })
const count = Number(values.count)
if (!Number.isSafeInteger(count) || count < 1) throw new Error(`--count must be a positive integer`)

const source = dictionary['passwords-common']
const passwords = new Set<string>()
for (const entry of source) {
  if (passwords.size === count) break
  const password = entry.trim().toLowerCase()
  // One per line: an entry with a line break (there are none today) would corrupt the file.
  if (password !== '' && !/[\r\n]/.test(password)) passwords.add(password)
}
if (passwords.size < count) throw new Error(`only ${passwords.size} passwords in the source list`)

const out = resolve(import.meta.dirname, '../src/auth/passwords/common-passwords.txt.gz')
// gzip without a timestamp (Node writes mtime 0), so the same input gives the same bytes.
const gz = gzipSync(`${[...passwords].join('\n')}\n`, { level: constants.Z_BEST_COMPRESSION })
writeFileSync(out, gz)
console.log(`wrote ${passwords.size} passwords to ${out} (${gz.length} bytes)`)
