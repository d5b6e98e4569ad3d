/**
 * Stack frames for the debug page: parsing V8's `error.stack` text into frames, and reading the
 * source lines around a frame's position.
 */
import { readFileSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/**
 * Where a frame's code lives: `app` (a local file outside `node_modules`), `library` (inside
 * `node_modules`), `node` (Node's own `node:` modules) or `other` (native code, `eval`, unknown).
 */
export type FrameKind = 'app' | 'library' | 'node' | 'other'

/** One parsed line of a V8 stack trace. */
export interface StackFrame {
  /** `inner`, `new Foo`, `Array.map`; `undefined` for anonymous top-level code. */
  functionName: string | undefined
  /** The location as printed: a `file://` URL, a path, `node:internal/...`, `<anonymous>`... */
  file: string
  line: number | undefined
  column: number | undefined
  /** An `at async ...` frame (an awaiting caller, reconstructed by V8). */
  isAsync: boolean
  kind: FrameKind
  /** The frame line as V8 printed it, trimmed. */
  raw: string
}

const FRAME_LINE = /^\s+at\s+(.*)$/
const LOCATION = /^(.*?):(\d+)(?::(\d+))?$/
const WINDOWS_PATH = /^[A-Za-z]:[\\/]|^\\\\/
const IN_NODE_MODULES = /[\\/]node_modules[\\/]/

/**
 * Parse the frames of a V8 stack trace (`error.stack`). Lines that are not frames (the
 * `Name: message` header, multi-line messages) are skipped.
 *
 * @example
 * parseStack('Error: x\n    at run (file:///app/main.ts:3:9)')
 * // [{ functionName: 'run', file: 'file:///app/main.ts', line: 3, column: 9, isAsync: false, kind: 'app', ... }]
 */
export function parseStack(stack: string): StackFrame[] {
  const frames: StackFrame[] = []
  for (const line of stack.split('\n')) {
    const match = FRAME_LINE.exec(line)
    if (match) frames.push(parseFrame(match[1]!.trim()))
  }
  return frames
}

function parseFrame(text: string): StackFrame {
  let rest = text
  const isAsync = rest.startsWith('async ')
  if (isAsync) rest = rest.slice('async '.length)
  let functionName: string | undefined
  let location = rest
  const open = rest.endsWith(')') ? matchingOpenParen(rest) : -1
  if (open > 0) {
    functionName = rest.slice(0, open).trim() || undefined
    location = rest.slice(open + 1, -1)
  }
  // `eval at fn (file:1:2), <anonymous>:1:7`: the position is inside generated code, not a file.
  const isEval = location.startsWith('eval at ')
  const position = isEval ? null : LOCATION.exec(location)
  const file = position ? position[1]! : location
  return {
    functionName,
    file,
    line: position ? Number(position[2]) : undefined,
    column: position?.[3] ? Number(position[3]) : undefined,
    isAsync,
    kind: isEval ? 'other' : kindOf(file),
    raw: text,
  }
}

/** Index of the `(` that opens the final `)`; nested parentheses (eval frames) are skipped. */
function matchingOpenParen(text: string): number {
  let depth = 0
  for (let i = text.length - 1; i >= 0; i--) {
    const char = text[i]
    if (char === ')') depth++
    else if (char === '(' && --depth === 0) return i
  }
  return -1
}

function kindOf(file: string): FrameKind {
  if (file.startsWith('node:') || file.startsWith('internal/')) return 'node'
  if (localPath(file) === undefined) return 'other'
  return IN_NODE_MODULES.test(file) ? 'library' : 'app'
}

/** The filesystem path of a frame's file (`file://` URL or absolute path), else `undefined`. */
export function localPath(file: string): string | undefined {
  if (file.startsWith('file://')) {
    try {
      return fileURLToPath(file)
    } catch {
      return undefined
    }
  }
  if (file.startsWith('/') || WINDOWS_PATH.test(file)) return file
  return undefined
}

/** Lines of source around a frame's line. */
export interface SourceContext {
  /** 1-based number of `lines[0]`. */
  firstLine: number
  lines: string[]
  /** 1-based number of the frame's own line. */
  line: number
}

/** Files above this size are not read: the page must stay fast even for huge bundles. */
const MAX_SOURCE_BYTES = 2 * 1024 * 1024
/** Bound on cached files, so a long-running dev server does not grow without limit. */
const MAX_CACHED_FILES = 200
/** Minified code has enormous lines; the page shows only their start. */
const MAX_LINE_CHARS = 400

interface CachedSource {
  mtimeMs: number
  size: number
  lines: string[] | null
}

const sourceCache = new Map<string, CachedSource>()

/**
 * Up to `radius` lines either side of `line` in a local file (`file://` URL or path), or
 * `undefined` when the file is unreadable, larger than 2 MB or shorter than `line`. Files are read
 * synchronously and cached for the process; an edited file (new mtime or size) is read again.
 */
export function readSourceContext(
  file: string,
  line: number,
  radius = 3,
): SourceContext | undefined {
  const path = localPath(file)
  if (path === undefined || line < 1) return undefined
  const lines = sourceLines(path)
  if (lines === null || line > lines.length) return undefined
  const first = Math.max(1, line - radius)
  const last = Math.min(lines.length, line + radius)
  return {
    firstLine: first,
    lines: lines.slice(first - 1, last).map(clipLine),
    line,
  }
}

function clipLine(text: string): string {
  return text.length > MAX_LINE_CHARS ? `${text.slice(0, MAX_LINE_CHARS)} …` : text
}

function sourceLines(path: string): string[] | null {
  let stats: { mtimeMs: number; size: number; isFile(): boolean }
  try {
    stats = statSync(path)
  } catch {
    return null
  }
  const cached = sourceCache.get(path)
  sourceCache.delete(path)
  if (cached && cached.mtimeMs === stats.mtimeMs && cached.size === stats.size) {
    sourceCache.set(path, cached)
    return cached.lines
  }
  let lines: string[] | null = null
  if (stats.isFile() && stats.size <= MAX_SOURCE_BYTES) {
    try {
      lines = readFileSync(path, 'utf8').split(/\r?\n/)
    } catch {
      lines = null
    }
  }
  if (sourceCache.size >= MAX_CACHED_FILES) {
    // Maps iterate in insertion order and hits are re-inserted: the first key is the least recently used.
    sourceCache.delete(sourceCache.keys().next().value!)
  }
  sourceCache.set(path, { mtimeMs: stats.mtimeMs, size: stats.size, lines })
  return lines
}
