/**
 * `plinth routes`: the app's route table, as aligned text or JSON. Loads the app module but runs
 * no startup hooks, so it works without the database or other services.
 */
import { defineCommand } from '../command.ts'
import { loadApp, resolveAppReference } from '../load-app.ts'
import { appOption } from './listen-options.ts'

/** One row of `plinth routes --json`. */
export interface RouteRow {
  method: string
  path: string
  name: string | null
  handler: string
}

/** Format rows as a table with a header and columns padded to the widest cell. */
export function formatRouteTable(rows: readonly RouteRow[]): string {
  if (rows.length === 0) return 'No routes registered.\n'
  const cells = [
    ['METHOD', 'PATH', 'NAME', 'HANDLER'],
    ...rows.map((row) => [row.method, row.path, row.name ?? '-', row.handler]),
  ]
  const widths = [0, 1, 2].map((column) => Math.max(...cells.map((line) => line[column]!.length)))
  return cells
    .map((line) =>
      line
        .map((cell, column) => (column < 3 ? cell.padEnd(widths[column]!) : cell))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
    .concat('\n')
}

/** The `routes` command. */
export const routesCommand = defineCommand({
  name: 'routes',
  summary: 'Print the route table',
  description:
    'Print every route (method, path, name, handler) in registration order. Runs no startup hooks.',
  options: {
    app: appOption,
    json: { type: 'boolean', description: 'Print a JSON array instead of a table' },
  },
  async run({ values }, io) {
    const app = await loadApp(resolveAppReference(values.app, io.cwd), io.cwd)
    const rows: RouteRow[] = app.routes().map((route) => ({
      method: route.method,
      path: route.path,
      name: route.name ?? null,
      handler: route.handlerName,
    }))
    io.stdout.write(values.json ? `${JSON.stringify(rows, null, 2)}\n` : formatRouteTable(rows))
    return 0
  },
})
