/**
 * OpenAPI: the app's route table as an OpenAPI 3.1 document, and the Swagger UI docs that show it.
 *
 * A plugin the user registers (`app.register(openapi({ title, version }))`); the app layer does not
 * know it exists. It reads only public surfaces: `app.routes()` and the index modules of `app`,
 * `http`, `routing` and `validation`. Schemas come from validators implementing Standard JSON
 * Schema (Zod 4, Valibot, ArkType); anything else is documented as `{}` rather than failing.
 *
 * Start with `generate.ts` (route table → document), then `operation.ts` (one route) and
 * `schema-registry.ts` (how `$defs` become `components.schemas`); `plugin.ts` serves it all.
 */
export { generateOpenApi } from './generate.ts'
export { type OpenApiPluginOptions, openapi } from './plugin.ts'
export type {
  ExternalDocs,
  MediaTypeObject,
  OpenApiContact,
  OpenApiDocument,
  OpenApiInfo,
  OpenApiLicense,
  OpenApiMethod,
  OpenApiOptions,
  OpenApiServer,
  OpenApiTag,
  OperationObject,
  ParameterObject,
  PathItemObject,
  RequestBodyObject,
  ResponseObject,
  SecurityScheme,
} from './types.ts'
