/**
 * Run a `plinth` command line in-process, as the tests of CLI commands do: the command's output
 * is captured, nothing is written to the terminal, and the exit code is returned.
 */
import { type CommandRegistry, main } from '../../src/cli/index.ts'

/** What a command printed, and its exit code. */
export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/**
 * Run `argv` (`['migrate', '--plan']`) in `cwd`, with an empty environment.
 *
 * @example
 * const { code, stdout } = await runCli(root, ['showmigrations'])
 */
export async function runCli(
  cwd: string,
  argv: readonly string[],
  registry?: CommandRegistry,
): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  const code = await main(argv, {
    ...(registry ? { registry } : {}),
    io: {
      cwd,
      env: {},
      stdout: {
        write: (chunk: string) => {
          stdout += chunk
          return true
        },
      },
      stderr: {
        write: (chunk: string) => {
          stderr += chunk
          return true
        },
      },
    },
  })
  return { code, stdout, stderr }
}
