/**
 * The error part of the debug page: the error, its `cause` chain and `AggregateError` members,
 * each with its properties and its stack frames (source lines around application frames).
 */
import { relative, sep } from 'node:path'
import { inspect } from 'node:util'
import { escapeHtml, keyValueTable } from './debug-layout.ts'
import { displayText, isSensitiveName, MASK } from './debug-request.ts'
import {
  localPath,
  parseStack,
  readSourceContext,
  type SourceContext,
  type StackFrame,
} from './stack-frames.ts'

/** How deep `cause` / `errors` nesting is followed. */
const MAX_DEPTH = 5
/** Members of one `AggregateError` shown. */
const MAX_AGGREGATED = 10
/** Errors shown in total, whatever the shape of the tree. */
const MAX_ERRORS = 25
/** Frames rendered per error (`Error.stackTraceLimit` may be `Infinity`). */
const MAX_FRAMES = 100
/** Frames per error that get source lines. */
const MAX_FRAMES_WITH_SOURCE = 20

/** One error (or thrown non-error value) of the tree below the thrown one. */
export interface ErrorEntry {
  /** `undefined` for the thrown error itself; `Caused by`, `Aggregated error 2 of 3`, ... */
  label: string | undefined
  value: unknown
  /** Index of the entry this one is the cause or a member of. */
  parent: number | undefined
  /** Why the tree is not followed further below this entry, if it is cut short. */
  notes: string[]
}

/**
 * The thrown value, then its causes and aggregated errors depth-first, each labelled with how it
 * relates to the thrown error. Cycles and very deep or wide trees are cut short.
 */
export function collectErrors(root: unknown): ErrorEntry[] {
  const entries: ErrorEntry[] = []
  const seen = new Set<unknown>()
  const visit = (
    value: unknown,
    label: string | undefined,
    parent: number | undefined,
    depth: number,
  ) => {
    const entry: ErrorEntry = { label, value, parent, notes: [] }
    const index = entries.push(entry) - 1
    if (value === null || typeof value !== 'object') return
    seen.add(value)
    const children: Array<[string, unknown]> = []
    const errors = (value as { errors?: unknown }).errors
    if (value instanceof AggregateError && Array.isArray(errors)) {
      errors.slice(0, MAX_AGGREGATED).forEach((member, i) => {
        children.push([`Aggregated error ${i + 1} of ${errors.length}`, member])
      })
      if (errors.length > MAX_AGGREGATED)
        entry.notes.push(`${errors.length - MAX_AGGREGATED} more aggregated errors not shown.`)
    }
    if ('cause' in value && (value as { cause?: unknown }).cause !== undefined)
      children.push(['Caused by', (value as { cause: unknown }).cause])
    for (const [relation, child] of children) {
      const childLabel = label === undefined ? relation : `${label} › ${relation.toLowerCase()}`
      if (seen.has(child)) entry.notes.push(`${relation}: an error shown above (circular).`)
      else if (depth >= MAX_DEPTH || entries.length >= MAX_ERRORS)
        entry.notes.push(`${relation}: not shown (nested too deeply).`)
      else visit(child, childLabel, index, depth + 1)
    }
  }
  visit(root, undefined, undefined, 0)
  return entries
}

/** The class name to show: `MyError` even when a subclass left `name` as `Error`. */
export function errorTypeName(error: Error): string {
  const name = typeof error.name === 'string' && error.name !== '' ? error.name : 'Error'
  if (name !== 'Error') return name
  const ctor = (Object.getPrototypeOf(error) as { constructor?: { name?: unknown } } | null)
    ?.constructor?.name
  return typeof ctor === 'string' && ctor !== '' && ctor !== 'Object' ? ctor : name
}

/** The parsed stack frames of an error (none when `stack` is missing or not a string). */
export function framesOf(error: Error): StackFrame[] {
  return parseStack(stackBody(stackOf(error), error))
}

function stackOf(error: Error): string {
  try {
    return typeof error.stack === 'string' ? error.stack : ''
  } catch {
    // A throwing `stack` getter (proxies, odd libraries) must not cost the rest of the page.
    return ''
  }
}

/** Where an error was raised: its first application frame (else its first frame), for a summary. */
export function raisedAt(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined
  const frames = framesOf(error)
  const frame = frames.find((f) => f.kind === 'app') ?? frames[0]
  return frame === undefined ? undefined : `${frameName(frame)}, ${frameLocation(frame)}`
}

/**
 * Sections for the thrown value and its causes and aggregated errors: heading, message,
 * properties and frames. Frames a nested error shares with the one above it (the common tail of
 * both stacks) are counted rather than repeated.
 */
export function errorSections(thrown: unknown): string {
  const entries = collectErrors(thrown)
  const frames = entries.map((entry) => (entry.value instanceof Error ? framesOf(entry.value) : []))
  return entries
    .map((entry, i) => {
      const parentFrames = entry.parent === undefined ? [] : frames[entry.parent]!
      return errorSection(entry, i, frames[i]!, parentFrames)
    })
    .join('')
}

function errorSection(
  entry: ErrorEntry,
  index: number,
  frames: StackFrame[],
  parentFrames: StackFrame[],
): string {
  const { label, value } = entry
  const notes = entry.notes.map((n) => `<p class="muted">${escapeHtml(n)}</p>`).join('')
  if (!(value instanceof Error)) {
    const heading = label ?? 'A non-error value was thrown'
    return (
      `<section id="error-${index}"><h2>${escapeHtml(heading)}: <small>${escapeHtml(typeof value)}</small></h2>` +
      `<pre class="block">${escapeHtml(inspect(value, { depth: 3 }))}</pre>${notes}</section>`
    )
  }
  const heading =
    label === undefined
      ? 'Traceback <small>(most recent call first)</small>'
      : `${escapeHtml(label)}: ${escapeHtml(errorTypeName(value))}`
  const message =
    label === undefined ? '' : `<p class="message">${escapeHtml(String(value.message))}</p>`
  const common = commonTailLength(frames, parentFrames)
  const shared =
    common > 0
      ? `<p class="muted">… and ${common} more frames, shared with the error above.</p>`
      : ''
  return (
    `<section id="error-${index}"><h2>${heading}</h2>${message}` +
    `${framesList(frames.slice(0, frames.length - common))}${shared}${propertiesTable(value)}` +
    `<details class="raw"><summary>Raw stack trace</summary><pre class="block">${escapeHtml(stackOf(value))}</pre></details>` +
    `${notes}</section>`
  )
}

/** Frames at the bottom of both stacks (the same callers), keeping at least one own frame. */
function commonTailLength(frames: StackFrame[], parentFrames: StackFrame[]): number {
  let common = 0
  while (
    common < frames.length - 1 &&
    common < parentFrames.length &&
    frames[frames.length - 1 - common]!.raw === parentFrames[parentFrames.length - 1 - common]!.raw
  )
    common++
  return common
}

/**
 * The stack without its `Name: message` header, so message lines that look like frames
 * (`    at ...` inside a multi-line message) are not parsed as frames.
 */
function stackBody(stack: string, error: Error): string {
  const message = String(error.message)
  if (message === '') return stack
  const at = stack.indexOf(message)
  return at !== -1 && at < 200 ? stack.slice(at + message.length) : stack
}

const SHOWN_ELSEWHERE = new Set(['name', 'message', 'stack', 'cause', 'errors'])

/** Own enumerable properties (`code`, `status`, `details`...) under a heading, sensitive ones masked. */
function propertiesTable(error: Error): string {
  let rows: Array<readonly [string, string]>
  try {
    rows = Object.keys(error)
      .filter((key) => !SHOWN_ELSEWHERE.has(key))
      .map((key) => [
        key,
        isSensitiveName(key) ? MASK : displayText(redact((error as any)[key], 0, new WeakSet())),
      ])
  } catch (failure) {
    rows = [['(unreadable)', displayText((failure as Error)?.message ?? failure)]]
  }
  return rows.length === 0 ? '' : `<h3>Properties</h3>${keyValueTable(rows, '')}`
}

/** A copy of `value` with the values of sensitive-looking keys masked, a few levels deep. */
function redact(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (value === null || typeof value !== 'object' || depth > 4 || seen.has(value)) return value
  if (value instanceof Error || value instanceof Date || ArrayBuffer.isView(value)) return value
  seen.add(value)
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1, seen))
  const entries: Array<[unknown, unknown]> =
    value instanceof Map || value instanceof Headers
      ? [...value.entries()]
      : Object.keys(value).map((key) => [key, (value as Record<string, unknown>)[key]])
  const masked = entries.map(([key, item]): [unknown, unknown] => [
    key,
    typeof key === 'string' && isSensitiveName(key) ? MASK : redact(item, depth + 1, seen),
  ])
  if (value instanceof Map) return new Map(masked)
  if (value instanceof Headers) return Object.fromEntries(masked)
  // Class instances without own data (sockets, clients) are shown by name only.
  if (masked.length === 0 && Object.getPrototypeOf(value) !== Object.prototype) return value
  return Object.fromEntries(masked)
}

function framesList(all: StackFrame[]): string {
  if (all.length === 0) return '<p class="empty">No stack frames.</p>'
  const frames = all.slice(0, MAX_FRAMES)
  const contexts = sourceContexts(frames)
  const items = frames.map((frame, i) => `<li>${frameHtml(frame, contexts.get(i))}</li>`).join('')
  const more =
    all.length > frames.length
      ? `<p class="muted">${all.length - frames.length} more frames not shown.</p>`
      : ''
  return `<ol class="frames">${items}</ol>${more}`
}

/**
 * Source lines for application frames; for library frames only when no application frame could
 * be read (an error raised entirely inside a dependency).
 */
function sourceContexts(frames: StackFrame[]): Map<number, SourceContext> {
  const contexts = new Map<number, SourceContext>()
  for (const kind of ['app', 'library'] as const) {
    frames.forEach((frame, i) => {
      if (frame.kind !== kind || frame.line === undefined) return
      if (contexts.size >= MAX_FRAMES_WITH_SOURCE) return
      const context = readSourceContext(frame.file, frame.line)
      if (context) contexts.set(i, context)
    })
    if (contexts.size > 0) break
  }
  return contexts
}

function frameName(frame: StackFrame): string {
  return `${frame.isAsync ? 'async ' : ''}${frame.functionName ?? '(anonymous)'}`
}

/** `src/routes/users.ts:12:5`, `node:events:514:28`, `<anonymous>`. */
function frameLocation(frame: StackFrame): string {
  const line = frame.line === undefined ? '' : `:${frame.line}`
  const column = frame.column === undefined ? '' : `:${frame.column}`
  return `${displayPath(frame.file, localPath(frame.file))}${line}${column}`
}

function frameHtml(frame: StackFrame, context: SourceContext | undefined): string {
  const path = localPath(frame.file)
  const title = path === undefined ? '' : ` title="${escapeHtml(path)}"`
  const line =
    `<span class="badge">${frame.kind}</span> <span class="fn">${escapeHtml(frameName(frame))}</span> ` +
    `<span class="where"${title}>${escapeHtml(frameLocation(frame))}</span>`
  if (context === undefined)
    return `<div class="frame ${frame.kind}"><div class="loc">${line}</div></div>`
  return `<details class="frame ${frame.kind}" open><summary>${line}</summary>${sourceHtml(context)}</details>`
}

/** Paths inside the working directory are shown relative to it; others as printed. */
function displayPath(file: string, path: string | undefined): string {
  if (path === undefined) return file
  const cwd = process.cwd()
  return path.startsWith(cwd + sep) ? relative(cwd, path) : path
}

function sourceHtml(context: SourceContext): string {
  const lines = context.lines
    .map((text, i) => {
      const number = context.firstLine + i
      const current = number === context.line
      const attributes = current ? ' class="line current" aria-current="true"' : ' class="line"'
      return `<span${attributes}><span class="ln">${number}</span>${escapeHtml(text)}</span>`
    })
    .join('')
  return `<pre class="source">${lines}</pre>`
}
