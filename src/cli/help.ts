/**
 * Help text: the command list (`plinth --help`) and one command's usage (`plinth help start`),
 * plus a "did you mean" for mistyped command names.
 */
import type { Command, OptionSpec } from './command.ts'
import type { CommandRegistry } from './registry.ts'

function table(rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(0, ...rows.map(([left]) => left.length))
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`.trimEnd()).join('\n')
}

function optionLabel(name: string, spec: OptionSpec): string {
  const flag = spec.short === undefined ? `    --${name}` : `-${spec.short}, --${name}`
  return spec.type === 'string' ? `${flag} ${spec.placeholder ?? '<value>'}` : flag
}

/** The top-level help: usage, commands, global options. */
export function renderHelp(registry: CommandRegistry): string {
  const commands = registry.list().map((command) => [command.name, command.summary] as const)
  return [
    'Usage: plinth <command> [options]',
    '',
    'Commands:',
    table(commands),
    '',
    'Options:',
    table([
      ['-h, --help', 'Show help'],
      ['-v, --version', 'Print the version'],
    ]),
    '',
    "Run 'plinth help <command>' for the options of a command.",
    '',
  ].join('\n')
}

/** Usage, description and options of one command. */
export function renderCommandHelp(command: Command<any>): string {
  const options = Object.entries(command.options ?? {}).map(
    ([name, spec]) =>
      [optionLabel(name, spec as OptionSpec), (spec as OptionSpec).description] as const,
  )
  options.push(['-h, --help', 'Show this help'])
  const usage = `Usage: plinth ${command.name}${options.length > 1 ? ' [options]' : ''}${command.positionals ? ` ${command.positionals}` : ''}`
  return [
    usage,
    '',
    command.description ?? command.summary,
    '',
    'Options:',
    table(options),
    '',
  ].join('\n')
}

/** The closest command name within two edits, for "did you mean". */
export function suggestCommand(input: string, names: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = 3
  for (const name of names) {
    const distance = editDistance(input, name)
    if (distance < bestDistance) {
      best = name
      bestDistance = distance
    }
  }
  return best
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost)
    }
    previous = current
  }
  return previous[b.length]!
}
