/**
 * What a template loader is: a synchronous lookup from a template name to its source.
 *
 * Loading is synchronous because rendering is (an `include` or `extends` met while rendering
 * loads on the spot); templates are compiled once and cached, so the file system is only touched
 * on the first use and, in development, by `isFresh()` checks.
 */

/** A template's source, as a loader found it. */
export interface LoadedSource {
  /** The name that was asked for (`admin/base.html`); the environment caches by it. */
  name: string
  source: string
  /** The file it was read from, for error messages and debug pages. */
  file?: string
  /** The file's modification time when it was read. */
  mtimeMs?: number
  /**
   * `false` once the source may have changed (the file was edited, removed, or a template of the
   * same name appeared in a higher-priority root): the environment then reloads and recompiles.
   * Absent means "never changes".
   */
  isFresh?(): boolean
}

/** Finds templates by name. */
export interface Loader {
  /**
   * The template's source, or `undefined` when this loader does not have it (the environment
   * then throws `TemplateNotFoundError` listing {@link Loader.describe} of its loaders).
   * Throws `TemplatePathError` (`PLINTH_TEMPLATE_PATH`) for names that could reach outside the
   * loader's roots.
   */
  load(name: string): LoadedSource | undefined
  /**
   * Where this loader looks: with a name, the places it tried for that name (file paths);
   * without, its roots. Optional for custom loaders; see `describeLoader`.
   */
  describe?(name?: string): string[]
  /** Every template name this loader has, sorted (for precompiling and typed contexts). */
  list?(): string[]
}
