/**
 * Streaming `multipart/form-data` parsing. (Being implemented; see the interface below.)
 */
import type { IncomingMessage } from 'node:http'
import type { MediaType } from './content-type.ts'

/** A file received in a multipart form. Small files live in memory, larger ones on disk. */
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

/** Limits enforced while parsing (all required). */
export interface MultipartLimits {
  fields: number
  fieldSize: number
  files: number
  fileSize: number
  parts: number
  multipartSize: number
  fileMemorySize: number
}

/** The parsed form plus a cleanup that removes spooled files. */
export interface ParsedMultipart {
  fields: FormRecord
  cleanup(): Promise<void>
}

/** Parse a multipart body from the request stream. */
export async function parseMultipart(
  _req: IncomingMessage,
  _type: MediaType,
  _limits: MultipartLimits,
  _options: { uploadDir: string },
): Promise<ParsedMultipart> {
  throw new Error('multipart parsing is not implemented yet')
}
