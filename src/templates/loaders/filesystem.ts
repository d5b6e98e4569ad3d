/**
 * Loaders that read templates from directories: `fileSystemLoader` (the app's template
 * directories, in priority order) and `moduleLoader` (templates shipped inside a package, such as
 * Plinth's admin, which apps override by putting a file of the same name in their own directory).
 *
 * Safety: names are checked before any file is touched (`names.ts`), and a file found under a
 * root is only read if its real path (symlinks resolved) is still inside the root's real path. The
 * file is then opened by its real path with `O_NOFOLLOW` and `O_NONBLOCK`, and checked to be a
 * regular file on the open descriptor, so a FIFO or device is never read and a symlink swapped in
 * after the check is not followed.
 */
import {
  closeSync,
  constants,
  type Dirent,
  fstatSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  type Stats,
  statSync,
} from 'node:fs'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { TemplateError, TemplatePathError } from '../errors.ts'
import { isSafeTemplateName, templateSegments } from './names.ts'
import type { LoadedSource, Loader } from './types.ts'

/** Options of {@link fileSystemLoader}. */
export interface FileSystemLoaderOptions {
  /**
   * Only files with these extensions are templates (`['.html', '.txt']`); other names are not
   * found and not listed. Keeps source files or `.env` next to templates out of reach.
   */
  extensions?: string[]
}

const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0)
/** Errors that mean "no such template here" rather than a problem to report. */
const MISSING = new Set(['ENOENT', 'ENOTDIR', 'ENAMETOOLONG', 'ELOOP'])

/**
 * Templates from directories, first match wins: with `[appTemplates, moduleTemplates]` the app's
 * `base.html` overrides the module's. Relative directories are resolved against the current
 * directory now; directories that do not exist (yet) are skipped.
 *
 * @example fileSystemLoader([new URL('./templates/', import.meta.url), '/srv/shared'])
 */
export function fileSystemLoader(
  roots: string | URL | Array<string | URL>,
  options: FileSystemLoaderOptions = {},
): Loader {
  const dirs = (Array.isArray(roots) ? roots : [roots]).map(toDirectory)
  if (dirs.length === 0) {
    throw new TemplateError(
      'PLINTH_TEMPLATE_LOADER',
      'fileSystemLoader() was given no directory; pass the directory that holds your templates.',
    )
  }
  const extensions = options.extensions?.map((e) => (e.startsWith('.') ? e : `.${e}`))
  const realRoots: Array<string | undefined> = dirs.map(() => undefined)

  /** The root's real path; `undefined` while it does not exist. */
  function realRoot(index: number): string | undefined {
    realRoots[index] ??= missingAsUndefined(() => realpathSync(dirs[index]!))
    return realRoots[index]
  }

  const hasExtension = (name: string) =>
    extensions === undefined || extensions.some((e) => name.endsWith(e))

  /** The first root (from `from`, before `to`) holding a regular file at these segments. */
  function find(name: string, segments: string[], from: number, to: number) {
    for (let index = from; index < to; index++) {
      const file = join(dirs[index]!, ...segments)
      const stat = missingAsUndefined(() => statSync(file, { throwIfNoEntry: false }))
      if (stat === undefined || !stat.isFile()) continue
      const root = realRoot(index)
      const real = missingAsUndefined(() => realpathSync(file))
      if (root === undefined || real === undefined) continue
      if (!isInside(root, real)) {
        throw new TemplatePathError(
          name,
          `${file} resolves to ${real}, outside the template directory ${root}`,
          "Templates must live inside the loader's directories: move the file in, or add the " +
            'directory it links to as another root of the loader.',
        )
      }
      return { index, file, real }
    }
    return undefined
  }

  return {
    load(name: string): LoadedSource | undefined {
      const segments = templateSegments(name)
      if (!hasExtension(name)) return undefined
      const found = find(name, segments, 0, dirs.length)
      if (found === undefined) return undefined
      const read = readRegularFile(found.real)
      if (read === undefined) return undefined
      const { stat, source } = read
      return {
        name,
        source,
        file: found.file,
        mtimeMs: stat.mtimeMs,
        isFresh(): boolean {
          try {
            const now = statSync(found.file, { throwIfNoEntry: false })
            if (now === undefined || !now.isFile()) return false
            if (now.mtimeMs !== stat.mtimeMs || now.size !== stat.size) return false
            if (realpathSync(found.file) !== found.real) return false
            // An override appeared in a higher-priority directory.
            return find(name, segments, 0, found.index) === undefined
          } catch {
            return false
          }
        },
      }
    },

    describe(name?: string): string[] {
      if (name === undefined || !isSafeTemplateName(name)) {
        return dirs.map((dir, i) => (realRoot(i) === undefined ? `${dir} (does not exist)` : dir))
      }
      if (!hasExtension(name)) {
        return dirs.map((dir) => `${dir} (skipped: only ${extensions!.join(', ')} are templates)`)
      }
      const segments = templateSegments(name)
      return dirs.map((dir, i) => {
        const file = join(dir, ...segments)
        return realRoot(i) === undefined ? `${file} (directory ${dir} does not exist)` : file
      })
    },

    list(): string[] {
      const names = new Set<string>()
      dirs.forEach((_dir, index) => {
        const root = realRoot(index)
        if (root === undefined) return
        for (const name of walk(root)) {
          if (hasExtension(name) && isSafeTemplateName(name)) names.add(name)
        }
      })
      return [...names].sort()
    },
  }
}

/**
 * Templates shipped inside a package: the `dir` directory (default `templates`) next to the
 * module, found from its `import.meta.url`. Same rules and safety as {@link fileSystemLoader}.
 *
 * @param moduleUrl `import.meta.url` of a module of the package (a `file:` URL), or an absolute
 *   path to a module file or to its directory (`import.meta.dirname`)
 * @example moduleLoader(import.meta.url) // <package>/<module dir>/templates
 */
export function moduleLoader(
  moduleUrl: string | URL,
  dir = 'templates',
  options: FileSystemLoaderOptions = {},
): Loader {
  return fileSystemLoader(resolve(moduleDirectory(moduleUrl), dir), options)
}

function moduleDirectory(moduleUrl: string | URL): string {
  const text = String(moduleUrl)
  if (moduleUrl instanceof URL || /^[a-z][a-z0-9+.-]+:/i.test(text)) {
    const url = new URL(text)
    if (url.protocol !== 'file:') {
      throw new TemplateError(
        'PLINTH_TEMPLATE_LOADER',
        `moduleLoader() needs a file: URL, got ${JSON.stringify(text)}; pass import.meta.url.`,
      )
    }
    const path = fileURLToPath(url)
    return text.endsWith('/') ? path : dirname(path)
  }
  if (!isAbsolute(text)) {
    throw new TemplateError(
      'PLINTH_TEMPLATE_LOADER',
      `moduleLoader() needs import.meta.url or an absolute path, got ${JSON.stringify(text)}.`,
    )
  }
  return statSync(text, { throwIfNoEntry: false })?.isDirectory() ? text : dirname(text)
}

function toDirectory(root: string | URL): string {
  if (root instanceof URL || /^file:/i.test(root)) return resolve(fileURLToPath(root))
  if (typeof root !== 'string' || root === '') {
    throw new TemplateError(
      'PLINTH_TEMPLATE_LOADER',
      `A template directory must be a path or a file: URL, got ${JSON.stringify(root)}.`,
    )
  }
  return resolve(root)
}

/** `child` is `root` or below it (both real paths). */
function isInside(root: string, child: string): boolean {
  const rel = relative(root, child)
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel)
}

/** Read a regular file by its real path; `undefined` if it is gone or is not a regular file. */
function readRegularFile(real: string): { stat: Stats; source: string } | undefined {
  const fd = missingAsUndefined(() => openSync(real, OPEN_FLAGS))
  if (fd === undefined) return undefined
  try {
    const stat = fstatSync(fd)
    if (!stat.isFile()) return undefined
    const text = readFileSync(fd, 'utf8')
    // A byte order mark would otherwise be output before `<!DOCTYPE html>`.
    return { stat, source: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text }
  } finally {
    closeSync(fd)
  }
}

/** Template names under a real root, following symlinks that stay inside it, once each. */
function walk(root: string): string[] {
  const names: string[] = []
  const seen = new Set<string>([root])
  const visit = (dir: string, prefix: string) => {
    let entries: Dirent[]
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      const path = join(dir, entry.name)
      const name = prefix + entry.name
      const real = entry.isSymbolicLink() ? missingAsUndefined(() => realpathSync(path)) : path
      if (real === undefined || !isInside(root, real)) continue
      const stat = missingAsUndefined(() => statSync(real, { throwIfNoEntry: false }))
      if (stat?.isFile()) names.push(name)
      else if (stat?.isDirectory() && !seen.has(real)) {
        seen.add(real)
        visit(real, `${name}/`)
      }
    }
  }
  visit(root, '')
  return names
}

function missingAsUndefined<T>(action: () => T): T | undefined {
  try {
    return action()
  } catch (error) {
    if (MISSING.has((error as NodeJS.ErrnoException).code ?? '')) return undefined
    throw error
  }
}
