/**
 * The questions `plinth makemigrations` asks when the models alone cannot say what happened:
 * was a field renamed or replaced, what do existing rows get in a new NOT NULL column, and may a
 * change that drops data go ahead.
 *
 * The autodetector talks to a `Questioner` object, never to a terminal, so tests inject answers
 * and CI runs with none (every answer is then declared up front: `--rename`, `--default`,
 * `--allow-data-loss`). `promptQuestioner` turns any line-reading function into one; the CLI
 * passes `node:readline/promises`.
 */

/** A possible rename the user confirms or declines. */
export interface RenameQuestion {
  kind: 'field' | 'model'
  /** The model the field belongs to (`app.Product`, after any model rename), or the old model. */
  model: string
  from: string
  to: string
  /** The question as shown: `Did you rename Product.title to Product.name? [y/N]`. */
  text: string
}

/** A field that needs a value for existing rows. */
export interface FillQuestion {
  /** `app.Product`. */
  model: string
  field: string
  /** `add`: a new NOT NULL column; `alter`: a nullable column becoming NOT NULL. */
  change: 'add' | 'alter'
  /** The prompt as shown. */
  text: string
}

/** One operation that loses data, as listed to the user. */
export interface DataLossItem {
  module: string
  /** The operation's `describe()`. */
  description: string
  /** Why it loses data (the operation's `dataLoss`). */
  reason: string
}

/** Answers to makemigrations' questions. Methods may answer synchronously or not. */
export interface Questioner {
  /** True when the user renamed `from` to `to` (false: the old one is removed, the new added). */
  confirmRename(question: RenameQuestion): boolean | Promise<boolean>
  /**
   * The value existing rows get, as `{ value }`; undefined when the user gives none (the run
   * then fails with PLINTH_MIGRATIONS_NEEDS_DEFAULT).
   */
  fillValue(
    question: FillQuestion,
  ): { value: unknown } | undefined | Promise<{ value: unknown } | undefined>
  /** True to write the migration although these operations lose data. */
  confirmDataLoss(items: readonly DataLossItem[]): boolean | Promise<boolean>
}

/**
 * A value typed at a prompt or given as `--default`: JSON when it parses (`0`, `true`, `null`,
 * `"x"`, `[1]`), otherwise the text itself (`hello` → `'hello'`).
 *
 * @example
 * parseFillValue('0') // 0
 * parseFillValue('n/a') // 'n/a'
 */
export function parseFillValue(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

function yes(answer: string): boolean {
  return /^\s*y(es)?\s*$/i.test(answer)
}

/**
 * A questioner that asks through `ask(prompt) → answer line` and prints listings with `write`.
 *
 * @example
 * const rl = createInterface({ input: process.stdin, output: process.stdout })
 * const questioner = promptQuestioner((q) => rl.question(q), (t) => process.stdout.write(t))
 */
export function promptQuestioner(
  ask: (prompt: string) => Promise<string>,
  write: (text: string) => void,
): Questioner {
  return {
    async confirmRename(question) {
      return yes(await ask(`${question.text} `))
    },
    async fillValue(question) {
      const answer = (await ask(`${question.text} `)).trim()
      return answer === '' ? undefined : { value: parseFillValue(answer) }
    },
    async confirmDataLoss(items) {
      write('These operations lose data:\n')
      for (const item of items) write(`  - ${item.module}: ${item.description}: ${item.reason}\n`)
      return yes(await ask('Write the migration anyway? [y/N] '))
    },
  }
}
