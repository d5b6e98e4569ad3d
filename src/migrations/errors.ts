/**
 * Errors of the migrations module. Every one has a stable `code` (docs/errors.md) and a message
 * that says what to do next.
 */
import { OrmError } from '../orm/errors.ts'

/** A migration could not be generated, loaded, planned or applied. */
export class MigrationError extends OrmError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'MigrationError'
  }
}
