/**
 * Test helper: check a generated OpenAPI document with an independent validator
 * (`@seriousme/openapi-schema-validator`: the official OpenAPI 3.1 JSON Schema plus `$ref`
 * resolution), and the rules that validator does not cover (path templates vs. path parameters,
 * unique operationIds, declared security schemes).
 */
import assert from 'node:assert/strict'
import { Validator } from '@seriousme/openapi-schema-validator'

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

type Loose = Record<string, any>

/** Fail (listing every problem) unless `doc` is a valid, internally consistent OpenAPI 3.1 document. */
export async function assertValidOpenApi(doc: object): Promise<void> {
  // The validator resolves refs in place; keep the caller's document untouched.
  const result = await new Validator().validate(structuredClone(doc) as Loose)
  if (!result.valid) console.error(JSON.stringify(result.errors, null, 2))
  assert.equal(
    result.valid,
    true,
    `Not a valid OpenAPI 3.1 document:\n${JSON.stringify(result.errors, null, 2)}`,
  )
  assert.deepEqual(consistencyProblems(doc as Loose), [])
}

/** Problems the schema-based validator cannot see. */
export function consistencyProblems(doc: Loose): string[] {
  const problems: string[] = []
  const operationIds = new Set<string>()
  const schemes = new Set(Object.keys(doc.components?.securitySchemes ?? {}))
  const checkSecurity = (requirements: Loose[] | undefined, where: string) => {
    for (const requirement of requirements ?? []) {
      for (const name of Object.keys(requirement)) {
        if (!schemes.has(name)) problems.push(`${where}: undeclared security scheme "${name}"`)
      }
    }
  }
  checkSecurity(doc.security, 'document')
  for (const [path, item] of Object.entries(doc.paths ?? {}) as Array<[string, Loose]>) {
    const templateNames = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort()
    for (const method of METHODS) {
      const operation = item[method]
      if (operation === undefined) continue
      const where = `${method.toUpperCase()} ${path}`
      if (operationIds.has(operation.operationId))
        problems.push(`${where}: duplicate operationId "${operation.operationId}"`)
      operationIds.add(operation.operationId)
      const parameters: Loose[] = operation.parameters ?? []
      const pathNames = parameters
        .filter((p) => p.in === 'path')
        .map((p) => p.name)
        .sort()
      if (JSON.stringify(pathNames) !== JSON.stringify(templateNames))
        problems.push(
          `${where}: path parameters ${pathNames} do not match template ${templateNames}`,
        )
      for (const parameter of parameters) {
        if (parameter.in === 'path' && parameter.required !== true)
          problems.push(`${where}: path parameter "${parameter.name}" must be required`)
      }
      const keys = parameters.map((p) => `${p.in}:${p.name}`)
      if (new Set(keys).size !== keys.length) problems.push(`${where}: duplicate parameters`)
      checkSecurity(operation.security, where)
    }
  }
  return problems
}
