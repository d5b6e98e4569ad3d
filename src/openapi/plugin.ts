/**
 * The `openapi()` plugin: serves the generated document and the Swagger UI docs page as hidden
 * routes of the app.
 */
import { createHash } from 'node:crypto'
import type { App, Context, Plugin } from '../app/index.ts'
import { binary, file, html, PlinthError } from '../http/index.ts'
import { generateOpenApi } from './generate.ts'
import { checkDocumentOptions, DOCUMENT_OPTION_KEYS } from './options.ts'
import {
  locateSwaggerUi,
  renderDocsPage,
  renderInitScript,
  SWAGGER_UI_ASSETS,
} from './swagger-ui.ts'
import type { OpenApiOptions } from './types.ts'

/** Options of {@link openapi}: the document's options plus where to serve it. */
export interface OpenApiPluginOptions extends OpenApiOptions {
  /** Path of the JSON document. Default `/openapi.json`. */
  path?: string
  /** Path of the Swagger UI page (assets are served below it), or `false` for no UI. Default `/docs`. */
  docsPath?: string | false
  /** Extra JSON-serializable Swagger UI options, e.g. `{ docExpansion: 'none' }`. */
  swaggerUi?: Record<string, unknown>
}

const PLUGIN_KEYS = [...DOCUMENT_OPTION_KEYS, 'path', 'docsPath', 'swaggerUi']

/** A year: the asset URLs carry a version, so a new version is a new URL. */
const ONE_YEAR = 31_536_000

/**
 * Serve the app's OpenAPI document and interactive docs.
 *
 * The document is generated when the app starts (so it includes routes registered after the
 * plugin, and option mistakes stop the app at startup) and then cached. All routes the plugin
 * adds are `hidden`.
 *
 * @example
 * app.register(openapi({
 *   title: 'Catalog API',
 *   version: '1.0.0',
 *   securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
 * }))
 * // GET /openapi.json → the document, GET /docs → Swagger UI
 */
export function openapi(options: OpenApiPluginOptions): Plugin {
  checkDocumentOptions(options, PLUGIN_KEYS)
  const { path = '/openapi.json', docsPath = '/docs', swaggerUi, ...document } = options
  checkMountPath('path', path)
  if (docsPath !== false) checkMountPath('docsPath', docsPath)
  if (swaggerUi !== undefined && (swaggerUi === null || typeof swaggerUi !== 'object')) {
    throw new PlinthError(
      'PLINTH_OPENAPI_INVALID_OPTIONS',
      'OpenAPI option "swaggerUi" must be an object of Swagger UI options, e.g. { docExpansion: \'none\' }.',
    )
  }
  return {
    name: `plinth:openapi:${path}`,
    setup(app: App) {
      let cached: string | undefined
      // Generated at startup (serve() and the test client run startup hooks before the first
      // request), so a mistake such as an undeclared security scheme stops the app instead of
      // surfacing as a 500 on the first visit to the docs.
      app.hook('startup', () => {
        cached ??= JSON.stringify(generateOpenApi(app, document))
      })
      app.get(path, { hidden: true }, () => {
        cached ??= JSON.stringify(generateOpenApi(app, document))
        return binary(cached, 'application/json; charset=utf-8', {
          headers: { 'cache-control': 'no-cache' },
        })
      })
      if (docsPath !== false) registerDocsUi(app, document.title, docsPath, path, swaggerUi)
    },
  }
}

function registerDocsUi(
  app: App,
  title: string,
  base: string,
  specUrl: string,
  swaggerUi: Record<string, unknown> | undefined,
): void {
  const dist = locateSwaggerUi()
  // Assets live below the page: `/docs/init.js`, or `/init.js` when the docs are the site root.
  const prefix = base === '/' ? '' : base
  const init = renderInitScript({ base: prefix, specUrl }, swaggerUi)
  const initVersion = createHash('sha256').update(init).digest('hex').slice(0, 16)
  const page = renderDocsPage({
    title,
    base: prefix,
    specUrl,
    assetVersion: dist.version,
    initVersion,
  })

  app.get(base, { hidden: true }, () => html(page, { headers: { 'cache-control': 'no-cache' } }))
  app.get(`${prefix}/init.js`, { hidden: true }, (ctx) =>
    binary(init, 'text/javascript; charset=utf-8', {
      headers: {
        'cache-control': isCurrent(ctx, initVersion)
          ? `public, max-age=${ONE_YEAR}, immutable`
          : 'no-cache',
      },
    }),
  )
  // Served with file() rather than from memory: the bundle is ~1.5 MB, and file() already does
  // ETag/Last-Modified, 304s, ranges and root confinement. Only these names are routed, so nothing
  // else in the package (source maps, the demo index.html) is reachable.
  for (const name of SWAGGER_UI_ASSETS) {
    app.get(`${prefix}/${name}`, { hidden: true }, (ctx) =>
      file(name, {
        root: dist.dir,
        // The page links `?v=<swagger-ui version>`: such URLs never change content, so they may be
        // cached for good; any other URL revalidates with the ETag.
        ...(isCurrent(ctx, dist.version) ? { maxAge: ONE_YEAR, immutable: true } : { maxAge: 0 }),
      }),
    )
  }
}

function isCurrent(ctx: Context, version: string): boolean {
  return (ctx.query as Record<string, unknown>).v === version
}

function checkMountPath(option: string, path: unknown): void {
  if (
    typeof path !== 'string' ||
    !path.startsWith('/') ||
    (path.length > 1 && path.endsWith('/')) ||
    /[:*?#\s]/.test(path)
  ) {
    throw new PlinthError(
      'PLINTH_OPENAPI_INVALID_PATH',
      `OpenAPI option "${option}" must be a plain path starting with "/" without a trailing slash or parameters, e.g. "/docs"; got ${JSON.stringify(path)}.`,
    )
  }
}
