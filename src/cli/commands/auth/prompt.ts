/**
 * Questions in the terminal for `createsuperuser` and `changepassword`: a line of text, or a
 * secret read with echo off (raw mode, nothing printed while typing — not even asterisks, like
 * `getpass`). Commands talk to a `Prompter`, never to the terminal, so tests script the answers.
 */
import { PlinthError } from '../../../http/index.ts'
import type { CommandIO } from '../../command.ts'

/** Asks the user. Rejects with `PLINTH_AUTH_CLI_ABORTED` on Ctrl-C or end of input. */
export interface Prompter {
  /** A line of text, echoed as typed. */
  ask(question: string): Promise<string>
  /** A secret: nothing is echoed. */
  askSecret(question: string): Promise<string>
}

/** What {@link readTerminalLine} needs of the input: a TTY stream (`process.stdin`). */
export interface TerminalInput {
  isTTY?: boolean
  isRaw?: boolean
  setRawMode(raw: boolean): unknown
  setEncoding(encoding: BufferEncoding): unknown
  on(event: 'data', listener: (chunk: string | Buffer) => void): unknown
  on(event: 'end', listener: () => void): unknown
  off(event: 'data', listener: (chunk: string | Buffer) => void): unknown
  off(event: 'end', listener: () => void): unknown
  unshift(chunk: string): unknown
  resume(): unknown
  pause(): unknown
}

/** Ctrl-C or end of input at a prompt. */
export function abortedError(): PlinthError {
  return new PlinthError('PLINTH_AUTH_CLI_ABORTED', 'Operation cancelled.')
}

const CTRL_C = '\u0003'
const CTRL_D = '\u0004'
const CTRL_U = '\u0015'
const ESCAPE = '\u001b'
const BACKSPACES = new Set(['\u007f', '\b'])

/**
 * Read one line from a terminal in raw mode, echoing it unless `hidden`. Handles backspace,
 * Ctrl-U (clear), Ctrl-C and Ctrl-D on an empty line (abort) and skips cursor-key escapes;
 * what was typed after Enter (a paste of two lines) is kept for the next read.
 */
export function readTerminalLine(
  input: TerminalInput,
  output: { write(chunk: string): unknown },
  question: string,
  hidden: boolean,
): Promise<string> {
  output.write(question)
  return new Promise((resolve, reject) => {
    let value = ''
    let escaping: 'none' | 'start' | 'sequence' = 'none'
    const wasRaw = input.isRaw === true
    const finish = (error?: PlinthError) => {
      input.off('data', onData)
      input.off('end', onEnd)
      input.setRawMode(wasRaw)
      input.pause()
      output.write('\n')
      if (error) reject(error)
      else resolve(value)
    }
    const onData = (chunk: string | Buffer) => {
      const text = String(chunk)
      for (let i = 0; i < text.length; i++) {
        const char = text[i]!
        if (escaping === 'start') {
          // ESC [ … and ESC O … are cursor and function keys; ESC x is Alt+x.
          escaping = char === '[' || char === 'O' ? 'sequence' : 'none'
          continue
        }
        if (escaping === 'sequence') {
          if (/[A-Za-z~]/.test(char)) escaping = 'none'
          continue
        }
        if (char === '\r' || char === '\n') {
          const rest = text.slice(char === '\r' && text[i + 1] === '\n' ? i + 2 : i + 1)
          finish()
          // After finish(): a flowing stream would hand the rest straight back to this listener.
          if (rest !== '') input.unshift(rest)
          return
        }
        if (char === CTRL_C || (char === CTRL_D && value === '')) {
          finish(abortedError())
          return
        }
        if (char === ESCAPE) escaping = 'start'
        else if (BACKSPACES.has(char)) {
          if (value !== '') {
            value = Array.from(value).slice(0, -1).join('')
            if (!hidden) output.write('\b \b')
          }
        } else if (char === CTRL_U) {
          if (!hidden) output.write('\b \b'.repeat(Array.from(value).length))
          value = ''
        } else if (char >= ' ') {
          value += char
          if (!hidden) output.write(char)
        }
      }
    }
    const onEnd = () => finish(abortedError())
    input.setRawMode(true)
    input.setEncoding('utf8')
    input.on('data', onData)
    input.on('end', onEnd)
    input.resume()
  })
}

/**
 * The prompter of a real terminal. Refuses (`PLINTH_AUTH_CLI_NOT_A_TERMINAL`) when standard input
 * is not one: a script must not hang on a prompt, and a secret must never be read from a pipe
 * that may also be logged.
 */
export function terminalPrompter(io: CommandIO, hint: string): Prompter {
  const input = process.stdin as unknown as TerminalInput
  if (input.isTTY !== true || typeof input.setRawMode !== 'function') {
    throw new PlinthError(
      'PLINTH_AUTH_CLI_NOT_A_TERMINAL',
      `Standard input is not a terminal, so there is nobody to ask: ${hint}`,
    )
  }
  return {
    ask: (question) => readTerminalLine(input, io.stdout, question, false),
    askSecret: (question) => readTerminalLine(input, io.stdout, question, true),
  }
}

/** `y`/`yes` (any case) is yes; anything else, including an empty answer, is no. */
export function isYes(answer: string): boolean {
  return /^\s*y(es)?\s*$/i.test(answer)
}
