/**
 * `plinth templates:types`: generate the TypeScript types of template contexts (what each
 * template reads) so `typedRender<TemplateContexts>()` checks `render()` calls at compile time.
 * `--check` writes nothing and fails when the file is out of date, for CI.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, relative, resolve } from 'node:path'
import {
  analyzeTemplates,
  DEFAULT_GLOBALS,
  emitContextTypes,
  fileSystemLoader,
  sameDeclarations,
} from '../../templates/index.ts'
import { defineCommand, UsageError } from '../command.ts'

const DEFAULT_DIR = 'templates'
const DEFAULT_OUT = 'src/template-contexts.ts'

/** The command line that regenerates the file, for its header. */
function commandLine(dirs: readonly string[], out: string, globals: readonly string[]): string {
  const args = ['plinth templates:types', ...dirs.map((d) => `--dir ${d}`), `--out ${out}`]
  for (const name of globals) args.push(`--global ${name}`)
  return args.join(' ')
}

/** The `templates:types` command. */
export const templatesTypesCommand = defineCommand({
  name: 'templates:types',
  summary: 'Generate TypeScript types of what each template reads',
  description:
    'Analyse every template in --dir and write, for each, the variables it reads and their shape ' +
    '(attributes, loops, calls) as `TemplateContexts`; use it with typedRender<TemplateContexts>() ' +
    'so render() calls are checked by the compiler. Names the environment provides (range, loop, ' +
    'url, static, request, …) are left out; add your own globals and `templates(env, { context })` ' +
    'variables with --global.',
  options: {
    dir: {
      type: 'string',
      multiple: true,
      placeholder: '<dir>',
      description: `Template directory (default ${DEFAULT_DIR}); repeat for several, in priority order`,
    },
    out: {
      type: 'string',
      placeholder: '<file>',
      description: `File to write (default ${DEFAULT_OUT})`,
    },
    global: {
      type: 'string',
      multiple: true,
      placeholder: '<name>',
      description: 'A variable every template gets without the caller passing it; repeatable',
    },
    check: {
      type: 'boolean',
      description: 'Write nothing; exit 1 when the file is missing or out of date (for CI)',
    },
  },
  run({ values }, io) {
    const dirs = values.dir ?? [DEFAULT_DIR]
    const out = values.out ?? DEFAULT_OUT
    const extra = values.global ?? []
    for (const name of extra)
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
        throw new UsageError(`--global ${JSON.stringify(name)} is not a variable name.`)
    const loader = fileSystemLoader(dirs.map((d) => resolve(io.cwd, d)))
    const names = loader.list?.() ?? []
    if (names.length === 0)
      throw new UsageError(
        `No templates found in ${dirs.join(', ')}; give the template directory with --dir.`,
      )
    const contexts = analyzeTemplates({ loader, names, globals: [...DEFAULT_GLOBALS, ...extra] })
    const text = emitContextTypes(contexts, { command: commandLine(dirs, out, extra) })
    const file = resolve(io.cwd, out)
    const shown = relative(io.cwd, file) || out
    if (values.check) {
      let current: string | undefined
      try {
        current = readFileSync(file, 'utf8')
      } catch {
        current = undefined
      }
      if (current !== undefined && sameDeclarations(current, text)) {
        io.stdout.write(`${shown} is up to date (${names.length} templates).\n`)
        return 0
      }
      io.stderr.write(
        `${shown} is ${current === undefined ? 'missing' : 'out of date'}; run ${commandLine(dirs, out, extra)}\n`,
      )
      return 1
    }
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, text)
    io.stdout.write(`Wrote ${shown} (${names.length} templates).\n`)
    return 0
  },
})
