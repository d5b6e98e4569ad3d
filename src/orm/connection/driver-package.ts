/**
 * Client libraries are optional peer packages, loaded only when their dialect is used, so a
 * SQLite application installs neither `pg` nor `mysql2`.
 */
import { OrmConfigError } from '../errors.ts'

/**
 * Import a database client package, or explain how to install it.
 *
 * @example
 * const { default: pg } = await loadDriverPackage('pg', 'PostgreSQL', () => import('pg'))
 */
export async function loadDriverPackage<T>(
  name: string,
  database: string,
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load()
  } catch (error) {
    const code = (error as { code?: unknown })?.code
    const missing = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND'
    // "Cannot find package 'pg' imported from …": the package itself, not one of its dependencies.
    if (missing && String((error as Error).message).includes(`'${name}'`)) {
      throw new OrmConfigError(
        `Using ${database} needs the '${name}' package, which is not installed: run npm install ${name}`,
        'PLINTH_ORM_DRIVER_MISSING',
      )
    }
    throw error
  }
}
