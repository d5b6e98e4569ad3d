/**
 * The application layer: `createApp`, routers, context, middleware composition, the request
 * lifecycle (`lifecycle.ts`, read it first) and error responses.
 *
 * Builds on `http`, `routing`, `validation` and `di`; imports nothing above it.
 */
export { App, type AppOptions, createApp, type Plugin } from './app.ts'
export { BODY_KIND_ACCEPTS, BODY_KIND_MEDIA_TYPES, bodyKinds } from './body-kinds.ts'
export { Context } from './context.ts'
export { dependency, type Guard, guard } from './dependency.ts'
export { type RequestLocation, ValidationError } from './errors.ts'
export { DEFAULT_LIMITS, type Limits } from './limits.ts'
export type { CompiledRoute } from './route.ts'
export { RouteGroup, Router, type RouterOptions } from './router.ts'
export {
  CSP_NONCE_KEY,
  CSRF_TOKEN_KEY,
  type RenderContext,
  render,
  renderStream,
  type TemplatesOptions,
  templates,
  typedRender,
} from './templates.ts'
export type {
  AnyInputs,
  BodyKind,
  ErrorHandler,
  ErrorHook,
  Handler,
  HandlerResult,
  HookMap,
  InputsOf,
  LifespanHook,
  Middleware,
  Next,
  QueryRecord,
  RequestHook,
  ResponseDoc,
  ResponseHook,
  RouteInfo,
  RouteInputs,
  RouteOptions,
  SecurityRequirement,
} from './types.ts'
export { appendVary } from './vary.ts'
