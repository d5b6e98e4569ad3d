/**
 * Streaming `multipart/form-data` parsing (RFC 7578) on the `Dicer` part splitter of
 * `@fastify/busboy`.
 *
 * Busboy's own form layer is not used because it accepts too much silently: it skips parts without
 * a `Content-Disposition`, keeps a `filename*` whose percent-encoding is broken and hides the raw
 * part headers that would reveal it. Here each part's headers are parsed strictly
 * (`content-disposition.ts`), every limit is an error (never a truncated value), and the body is
 * never held whole in memory: text fields are bounded by
 * `fieldSize`, files move to disk past `fileMemorySize`, and the request is paused whenever the
 * parser or the disk falls behind.
 *
 * Every failure (limit, malformed input, client abort, disk error) stops reading, destroys the
 * streams, waits for in-flight writes, removes every temp file created so far and only then
 * rejects, so an error can never leave a file behind or a descriptor open.
 */

import { openAsBlob } from 'node:fs'
import { rm } from 'node:fs/promises'
import type { IncomingMessage } from 'node:http'
import { createRequire } from 'node:module'
import type { Readable } from 'node:stream'
import type { Dicer } from '@fastify/busboy'
import { bodyTooLarge, checkDeclaredLength, decodedBodyStream } from './body.ts'
import { sanitizeFilename } from './content-disposition.ts'
import type { MediaType } from './content-type.ts'
import { HttpError } from './errors.ts'
import {
  bodyStreamError,
  invalidMultipart,
  multipartLimit,
  requestAborted,
  storageFailure,
  unterminatedHeaders,
} from './multipart-errors.ts'
import {
  describePart,
  MAX_PART_HEADER_BYTES,
  MAX_PART_HEADERS,
  type PartHeaders,
  type PartInfo,
  readTextPart,
  spoolFilePart,
  textDecoderFor,
} from './multipart-part.ts'

/**
 * `@fastify/busboy`, loaded on the first multipart body rather than with `plinth`: most requests
 * never carry one, and loading it costs every process about 10 ms at start-up.
 */
let DicerClass: typeof Dicer | undefined
function loadDicer(): typeof Dicer {
  DicerClass ??= (
    createRequire(import.meta.url)('@fastify/busboy') as typeof import('@fastify/busboy')
  ).Dicer
  return DicerClass
}

/**
 * A file received in a multipart form: a real `File` (so `z.file()` and other schema libraries
 * accept it). Small files live in memory; larger ones are backed lazily by their temp file, which
 * is removed after the response (move it elsewhere inside the handler to keep it).
 *
 * @example
 * const form = await ctx.form()
 * const avatar = form.avatar
 * if (avatar instanceof UploadedFile) {
 *   ctx.log.info({ name: avatar.name, size: avatar.size, onDisk: avatar.path !== null })
 *   const bytes = new Uint8Array(await avatar.arrayBuffer())
 * }
 */
export class UploadedFile extends File {
  /** Path of the spooled temporary file, or `null` when the content is in memory. */
  readonly path: string | null
  /** The form field name the file was sent under. */
  readonly fieldName: string
  constructor(
    bits: ConstructorParameters<typeof File>[0],
    name: string,
    options: NonNullable<ConstructorParameters<typeof File>[2]> & {
      path?: string | null
      fieldName: string
    },
  ) {
    super(bits, name, options)
    this.path = options.path ?? null
    this.fieldName = options.fieldName
  }
}

/** One form value. */
export type FormValue = string | UploadedFile
/** Parsed form fields: repeated names become arrays (null prototype). */
export type FormRecord = Record<string, FormValue | FormValue[]>

/** Limits enforced while parsing (all required; the app's `Limits` provide them). */
export interface MultipartLimits {
  /** Text parts in the body. */
  fields: number
  /** Bytes of one text part. */
  fieldSize: number
  /** File parts in the body. */
  files: number
  /** Bytes of one file. */
  fileSize: number
  /** Parts of any kind in the body. */
  parts: number
  /** Bytes of the whole (decoded) body, preamble and epilogue included. */
  multipartSize: number
  /** Files up to this many bytes stay in memory; larger ones are spooled to `uploadDir`. */
  fileMemorySize: number
}

/** The parsed form plus a cleanup that removes spooled files. */
export interface ParsedMultipart {
  fields: FormRecord
  cleanup(): Promise<void>
}

// RFC 2046 §5.1.1: 1–70 characters from this set, not ending in a space.
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/

/**
 * Parse a `multipart/form-data` body from the request stream (decoded per `Content-Encoding`).
 *
 * Text parts become strings, parts with a `filename` become {@link UploadedFile}s (file names
 * sanitised, see `sanitizeFilename`), repeated names become arrays in body order. A file part
 * with an empty file name and no content (a file input left empty) is omitted. Errors: 400
 * `invalid_multipart` for malformed input, 400 `request_aborted` when the client goes away, 413
 * `too_many_parts` / `too_many_files` / `too_many_fields` / `field_too_large` / `file_too_large` /
 * `payload_too_large` for the limits. Errors raised before the body is fully read carry
 * `Connection: close`, so the unread rest is never drained.
 *
 * @example
 * const { fields, cleanup } = await parseMultipart(req, parseMediaType(req.headers['content-type']!)!, limits, {
 *   uploadDir: os.tmpdir(),
 * })
 * try {
 *   console.log(fields.title, (fields.image as UploadedFile).size)
 * } finally {
 *   await cleanup()
 * }
 */
export async function parseMultipart(
  req: IncomingMessage,
  type: MediaType,
  limits: MultipartLimits,
  options: { uploadDir: string },
): Promise<ParsedMultipart> {
  const boundary = type.params.boundary
  if (boundary === undefined) {
    throw invalidMultipart('The multipart/form-data Content-Type has no boundary parameter.')
  }
  if (!BOUNDARY.test(boundary)) {
    throw invalidMultipart('The multipart boundary must be 1 to 70 characters allowed by RFC 2046.')
  }
  if (req.readableDidRead || req.readableEnded) {
    throw new HttpError(500, 'The request body was already read before parsing it as multipart.', {
      code: 'body_already_read',
    })
  }
  checkDeclaredLength(req, limits.multipartSize)
  const source = decodedBodyStream(req)
  return new MultipartReader(req, source, boundary, limits, options.uploadDir).read()
}

type Entry = readonly [name: string, value: FormValue]

/** One parse: feeds the (decoded) body to Dicer and turns its parts into form entries. */
class MultipartReader {
  readonly #req: IncomingMessage
  readonly #source: Readable
  readonly #limits: MultipartLimits
  readonly #uploadDir: string
  readonly #parser: Dicer
  /** Entries by part index, so repeated names keep body order whichever part finishes first. */
  readonly #entries: Array<Entry | undefined> = []
  readonly #tasks: Promise<void>[] = []
  readonly #parts: Readable[] = []
  readonly #tempFiles: string[] = []
  #fieldCount = 0
  #fileCount = 0
  #received = 0
  #awaitingHeaders: Readable | undefined = undefined
  #sourceEnded = false
  #parserFinished = false
  #state: 'reading' | 'finishing' | 'done' | 'failed' = 'reading'
  #resolve: (value: ParsedMultipart) => void = () => {}
  #reject: (error: unknown) => void = () => {}

  constructor(
    req: IncomingMessage,
    source: Readable,
    boundary: string,
    limits: MultipartLimits,
    uploadDir: string,
  ) {
    this.#req = req
    this.#source = source
    this.#limits = limits
    this.#uploadDir = uploadDir
    const DicerParser = loadDicer()
    this.#parser = new DicerParser({
      boundary,
      // One more than allowed, so a part over the limit is detected rather than cut silently.
      maxHeaderPairs: MAX_PART_HEADERS + 1,
      maxHeaderSize: MAX_PART_HEADER_BYTES,
    } as Dicer.Config)
  }

  read(): Promise<ParsedMultipart> {
    const { promise, resolve, reject } = Promise.withResolvers<ParsedMultipart>()
    this.#resolve = resolve
    this.#reject = reject
    this.#parser.on('part', this.#onPart)
    this.#parser.on('error', this.#onParserError)
    this.#parser.on('finish', this.#onParserFinish)
    this.#parser.on('drain', this.#onDrain)
    this.#source.on('data', this.#onData)
    this.#source.on('end', this.#onEnd)
    this.#source.on('error', this.#onSourceError)
    if (this.#source !== this.#req) this.#req.on('error', this.#onSourceError)
    this.#req.on('close', this.#onRequestClose)
    return promise
  }

  #onData = (chunk: Buffer): void => {
    this.#received += chunk.length
    if (this.#received > this.#limits.multipartSize) {
      this.#fail(bodyTooLarge(this.#limits.multipartSize))
      return
    }
    // After the closing boundary only the epilogue is left: counted above, otherwise ignored.
    if (this.#parserFinished) return
    if (!this.#parser.write(chunk)) this.#source.pause()
  }

  #onDrain = (): void => {
    if (this.#state === 'reading') this.#source.resume()
  }

  #onEnd = (): void => {
    this.#sourceEnded = true
    if (!this.#parserFinished) this.#parser.end()
    this.#maybeFinish()
  }

  #onSourceError = (error: NodeJS.ErrnoException): void => {
    this.#fail(bodyStreamError(error))
  }

  #onRequestClose = (): void => {
    if (!this.#req.complete && !this.#req.readableEnded) this.#fail(requestAborted())
  }

  #onParserError = (): void => {
    // Dicer's only errors are about the body ending before the closing boundary.
    this.#fail(invalidMultipart('The multipart body ended before its closing boundary.'))
  }

  #onParserFinish = (): void => {
    if (this.#state !== 'reading') return
    this.#parserFinished = true
    if (this.#awaitingHeaders !== undefined) {
      this.#fail(unterminatedHeaders())
      return
    }
    // Dicer can finish while holding the callback of the write that carried the closing
    // boundary (its last part was paused), so it never drains: read the epilogue regardless.
    this.#source.resume()
    this.#maybeFinish()
  }

  #onPart = (part: Readable): void => {
    // A part that ends early reports it here too; the parser's own error already decides.
    part.on('error', () => {})
    if (this.#state !== 'reading') {
      part.destroy()
      return
    }
    this.#parts.push(part)
    if (this.#awaitingHeaders !== undefined) {
      this.#fail(unterminatedHeaders())
      return
    }
    const index = this.#entries.push(undefined) - 1
    if (this.#entries.length > this.#limits.parts) {
      this.#fail(
        multipartLimit('too_many_parts', `The form has more than ${this.#limits.parts} parts.`),
      )
      return
    }
    this.#awaitingHeaders = part
    part.once('header', (headers: PartHeaders) => {
      this.#awaitingHeaders = undefined
      if (this.#state !== 'reading') return
      // Checked synchronously, so the first limit crossed in the body is the one reported.
      let info: PartInfo
      try {
        info = this.#admit(headers)
      } catch (error) {
        this.#fail(error)
        return
      }
      const receiving =
        info.filename === undefined ? this.#receiveText(part, info) : this.#receiveFile(part, info)
      const task = receiving.then(
        (value) => {
          if (value !== undefined) this.#entries[index] = [info.name, value]
        },
        (error: unknown) => this.#fail(error),
      )
      this.#tasks.push(task)
    })
  }

  /** Validate a part's headers and count it against `fields` or `files`. */
  #admit(headers: PartHeaders): PartInfo {
    const info = describePart(headers)
    if (info.filename === undefined && ++this.#fieldCount > this.#limits.fields) {
      throw multipartLimit(
        'too_many_fields',
        `The form has more than ${this.#limits.fields} fields.`,
      )
    }
    if (info.filename !== undefined && ++this.#fileCount > this.#limits.files) {
      throw multipartLimit('too_many_files', `The form has more than ${this.#limits.files} files.`)
    }
    return info
  }

  async #receiveText(part: Readable, info: PartInfo): Promise<string> {
    const decoder = textDecoderFor(info)
    return decoder.decode(await readTextPart(part, info.name, this.#limits.fieldSize))
  }

  async #receiveFile(part: Readable, info: PartInfo): Promise<UploadedFile | undefined> {
    const filename = info.filename!
    const spooled = await spoolFilePart(part, {
      fieldName: info.name,
      fileSize: this.#limits.fileSize,
      fileMemorySize: this.#limits.fileMemorySize,
      uploadDir: this.#uploadDir,
      onTempFile: (path) => this.#tempFiles.push(path),
    })
    // What a browser sends for a file input left empty: no file, rather than an empty one.
    if (filename === '' && spooled.size === 0) return undefined
    const type = info.type?.essence ?? 'application/octet-stream'
    const name = sanitizeFilename(filename)
    if (spooled.path === null) {
      return new UploadedFile(spooled.memory, name, { type, fieldName: info.name })
    }
    // A File over the on-disk blob reads the temp file lazily; nothing is loaded into memory.
    const blob = await openAsBlob(spooled.path, { type })
    return new UploadedFile([blob], name, { type, fieldName: info.name, path: spooled.path })
  }

  #maybeFinish(): void {
    if (this.#state !== 'reading' || !this.#sourceEnded || !this.#parserFinished) return
    this.#state = 'finishing'
    this.#detach()
    void Promise.all(this.#tasks).then(() => {
      if (this.#state !== 'finishing') return
      this.#state = 'done'
      const tempFiles = this.#tempFiles
      this.#resolve({ fields: toRecord(this.#entries), cleanup: () => removeFiles(tempFiles) })
    })
  }

  #fail(error: unknown): void {
    if (this.#state === 'failed' || this.#state === 'done') return
    this.#state = 'failed'
    this.#detach()
    if (this.#source !== this.#req) this.#source.destroy()
    this.#req.pause()
    this.#parser.destroy()
    for (const part of this.#parts) part.destroy()
    const reason = error instanceof HttpError ? error : storageFailure(error)
    // Wait for in-flight opens and writes before deleting, or a file could appear afterwards.
    void Promise.allSettled(this.#tasks)
      .then(() => removeFiles(this.#tempFiles))
      .catch(() => {})
      .then(() => this.#reject(reason))
  }

  #detach(): void {
    this.#source.off('data', this.#onData)
    this.#source.off('end', this.#onEnd)
    this.#source.off('error', this.#onSourceError)
    this.#req.off('error', this.#onSourceError)
    this.#req.off('close', this.#onRequestClose)
  }
}

function removeFiles(paths: readonly string[]): Promise<void> {
  return Promise.all(paths.map((path) => rm(path, { force: true }))).then(() => {})
}

function toRecord(entries: ReadonlyArray<Entry | undefined>): FormRecord {
  const record: FormRecord = Object.create(null)
  for (const entry of entries) {
    if (entry === undefined) continue
    const [name, value] = entry
    const existing = record[name]
    if (existing === undefined) record[name] = value
    else if (Array.isArray(existing)) existing.push(value)
    else record[name] = [existing, value]
  }
  return record
}
