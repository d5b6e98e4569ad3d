/**
 * Dependency injection: typed per-scope values (FastAPI's `Depends`), independent of HTTP so
 * WebSockets, jobs and CLI commands share the mechanism. Start with `dependency.ts`.
 */
export {
  assertNoCycles,
  callableDependency,
  type Dependency,
  type DependencyContext,
  type DependencyMap,
  type DependencyMeta,
  type DependencyOptions,
  defineDependency,
  isDependency,
  type ResolvedDependencies,
} from './dependency.ts'
export { type DependencyOverrides, DependencyScope } from './scope.ts'
