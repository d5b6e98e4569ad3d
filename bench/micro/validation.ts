/**
 * Request-body validation for `micro.ts`: what a route with `body: schema` spends per request
 * once the JSON is parsed, next to the raw schema library and a hand-written check (the floor).
 *
 * Plinth's rows run what the route pipeline (`compilePipeline` in `src/app/route.ts`) runs:
 * `runSchema(schema, value)` and, on failure, `toValidationIssues('body', issues)` (the entries
 * of the 422 body). Raising the `ValidationError` and writing the 422 are left out: they are the
 * dispatch path's cost, not validation's.
 *
 * Two bodies: a sign-up with 8 fields (length limits, e-mail, integer range, enum, an optional
 * nested address, an array of tags) on Zod 4, and its 6 flat fields on a Plinth model's
 * `schemas.create` (Plinth's own validator; model fields have no nested objects). Each is timed
 * valid and with 3 field errors (every one collected), after the contenders are checked to
 * accept the same values and report the same fields.
 */
import { deepStrictEqual } from 'node:assert/strict'
import { bench, do_not_optimize, group, summary } from 'mitata'
import { defineModel, field } from 'plinth/orm'
import { runSchema, type StandardSchemaV1, toValidationIssues } from 'plinth/validation'
import { z } from 'zod'

const PLANS = ['free', 'pro', 'team'] as const
const USERNAME = /^[a-z0-9_]+$/i
// Deliberately simpler than Zod's e-mail pattern; the inputs below are unambiguous for both.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

const Address = z.object({
  street: z.string().min(1).max(200),
  city: z.string().min(1).max(100),
  postcode: z.string().min(1).max(20),
  country: z.string().length(2),
})
const SignUp = z.object({
  username: z.string().min(3).max(30).regex(USERNAME),
  email: z.email().max(254),
  password: z.string().min(12).max(128),
  displayName: z.string().min(1).max(80),
  age: z.number().int().min(13).max(130),
  plan: z.enum(PLANS),
  address: Address.optional(),
  tags: z.array(z.string().min(1).max(30)).max(10),
})

const flatFields = {
  username: 'ada_lovelace',
  email: 'ada@example.com',
  password: 'correct horse battery',
  displayName: 'Ada Lovelace',
  age: 36,
  plan: 'pro',
}
const validSignUp = {
  ...flatFields,
  address: { street: '12 Analytical Row', city: 'London', postcode: 'NW1 6XE', country: 'GB' },
  tags: ['maths', 'engines', 'poetry'],
}
/** Three field errors: too short, not an e-mail, under the minimum age. */
const broken = { username: 'ab', email: 'ada-at-example.com', age: 12 }
const invalidSignUp = { ...validSignUp, ...broken }

type Issue = { path: Array<string | number>; message: string; code: string }
type Checked = { value: Record<string, unknown>; issues?: undefined } | { issues: Issue[] }

function checkString(
  issues: Issue[],
  path: Array<string | number>,
  value: unknown,
  min: number,
  max: number,
): void {
  if (typeof value !== 'string') issues.push({ path, message: 'Expected a string', code: 'type' })
  else if (value.length < min) issues.push({ path, message: `At least ${min}`, code: 'too_small' })
  else if (value.length > max) issues.push({ path, message: `At most ${max}`, code: 'too_big' })
}

/** The floor: the checks written out by hand, collecting every issue, copying known keys only. */
function handWritten(input: unknown): Checked {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { issues: [{ path: [], message: 'Expected an object', code: 'type' }] }
  }
  const body = input as Record<string, unknown>
  const issues: Issue[] = []
  const { username, email, password, displayName, age, plan, address, tags } = body
  checkString(issues, ['username'], username, 3, 30)
  if (typeof username === 'string' && !USERNAME.test(username))
    issues.push({ path: ['username'], message: 'Letters, digits, _', code: 'format' })
  checkString(issues, ['email'], email, 3, 254)
  if (typeof email === 'string' && !EMAIL.test(email))
    issues.push({ path: ['email'], message: 'Not an e-mail address', code: 'format' })
  checkString(issues, ['password'], password, 12, 128)
  checkString(issues, ['displayName'], displayName, 1, 80)
  if (typeof age !== 'number' || !Number.isInteger(age) || age < 13 || age > 130)
    issues.push({ path: ['age'], message: 'An integer from 13 to 130', code: 'range' })
  if (!PLANS.includes(plan as (typeof PLANS)[number]))
    issues.push({ path: ['plan'], message: 'free, pro or team', code: 'enum' })
  let addressCopy: Record<string, unknown> | undefined
  if (address !== undefined) {
    if (address === null || typeof address !== 'object' || Array.isArray(address)) {
      issues.push({ path: ['address'], message: 'Expected an object', code: 'type' })
    } else {
      const { street, city, postcode, country } = address as Record<string, unknown>
      checkString(issues, ['address', 'street'], street, 1, 200)
      checkString(issues, ['address', 'city'], city, 1, 100)
      checkString(issues, ['address', 'postcode'], postcode, 1, 20)
      checkString(issues, ['address', 'country'], country, 2, 2)
      addressCopy = { street, city, postcode, country }
    }
  }
  if (!Array.isArray(tags) || tags.length > 10) {
    issues.push({ path: ['tags'], message: 'At most 10 tags', code: 'type' })
  } else {
    for (let i = 0; i < tags.length; i++) checkString(issues, ['tags', i], tags[i], 1, 30)
  }
  if (issues.length > 0) return { issues }
  const value: Record<string, unknown> = { username, email, password, displayName, age, plan }
  if (addressCopy !== undefined) value.address = addressCopy
  value.tags = [...(tags as string[])]
  return { value }
}

/** What the route pipeline does with a body schema, minus the throw. */
function plinthValidate(schema: StandardSchemaV1, value: unknown) {
  const result = runSchema(schema, value)
  if (result instanceof Promise) throw new Error('bench/micro/validation.ts: async schema')
  return result.issues ? toValidationIssues('body', result.issues) : result.value
}

// Plinth's own validator: a model's create schema over the flat fields (JSON fields are not
// validated inside, so the nested address and the tags have no model equivalent).
const SignUpRecord = defineModel('BenchSignUp', {
  username: field.string({
    maxLength: 30,
    validators: [
      (v) => (v.length < 3 ? 'At least 3 characters.' : undefined),
      (v) => (USERNAME.test(v) ? undefined : 'Letters, digits and _ only.'),
    ],
  }),
  email: field.email(),
  password: field.string({
    maxLength: 128,
    validators: [(v) => (v.length < 12 ? 'At least 12 characters.' : undefined)],
  }),
  displayName: field.string({ maxLength: 80 }),
  age: field.integer({
    validators: [(v) => (v < 13 || v > 130 ? 'From 13 to 130.' : undefined)],
  }),
  plan: field.enum(PLANS),
})
const FlatSignUp = SignUp.pick({
  username: true,
  email: true,
  password: true,
  displayName: true,
  age: true,
  plan: true,
})
const modelSchema = SignUpRecord.schemas.create
const validFlat = flatFields
const invalidFlat = { ...flatFields, ...broken }

function failedPaths(issues: ReadonlyArray<{ path?: ReadonlyArray<unknown> }>): string[] {
  const paths = issues.map((issue) =>
    (issue.path ?? []).map((s) => (typeof s === 'object' && s ? (s as { key: unknown }).key : s)),
  )
  return [...new Set(paths.map((p) => p.join('.')))].sort()
}

function checkAgreement(): void {
  const expected = Object.keys(broken).sort()
  // The full sign-up: Zod, Plinth over Zod, hand-written.
  const zodOk = SignUp.safeParse(validSignUp)
  if (!zodOk.success) throw new Error(`zod refused the valid sign-up: ${zodOk.error.message}`)
  deepStrictEqual(plinthValidate(SignUp, validSignUp), zodOk.data)
  deepStrictEqual(handWritten(validSignUp), { value: zodOk.data })
  const zodBad = SignUp.safeParse(invalidSignUp)
  const plinthBad = plinthValidate(SignUp, invalidSignUp) as Issue[]
  const handBad = handWritten(invalidSignUp)
  deepStrictEqual(failedPaths(zodBad.error?.issues ?? []), expected)
  deepStrictEqual(failedPaths(plinthBad), expected)
  deepStrictEqual(failedPaths(handBad.issues ?? []), expected)
  // The flat sign-up: the model schema and Zod accept and refuse the same.
  deepStrictEqual(plinthValidate(modelSchema, validFlat), FlatSignUp.parse(validFlat))
  deepStrictEqual(failedPaths(plinthValidate(modelSchema, invalidFlat) as Issue[]), expected)
  deepStrictEqual(failedPaths(FlatSignUp.safeParse(invalidFlat).error?.issues ?? []), expected)
}

/** Register the validation groups (after micro.ts's request-parsing groups). */
export function validationBenchmarks(): void {
  checkAgreement()
  for (const [state, input] of [
    ['valid', validSignUp],
    ['3 errors', invalidSignUp],
  ] as const) {
    summary(() => {
      group(`validate body: sign-up, 8 fields, ${state}`, () => {
        bench(`plinth runSchema (zod) sign-up ${state}`, () =>
          do_not_optimize(plinthValidate(SignUp, input)),
        )
        bench(`zod safeParse sign-up ${state}`, () =>
          do_not_optimize(SignUp.safeParse(input)),
        ).baseline()
        bench(`hand-written sign-up ${state}`, () => do_not_optimize(handWritten(input)))
      })
    })
  }
  for (const [state, input] of [
    ['valid', validFlat],
    ['3 errors', invalidFlat],
  ] as const) {
    summary(() => {
      group(`validate body: flat sign-up, 6 fields, ${state}`, () => {
        bench(`plinth model schema flat ${state}`, () =>
          do_not_optimize(plinthValidate(modelSchema, input)),
        )
        bench(`plinth runSchema (zod) flat ${state}`, () =>
          do_not_optimize(plinthValidate(FlatSignUp, input)),
        )
        bench(`zod safeParse flat ${state}`, () =>
          do_not_optimize(FlatSignUp.safeParse(input)),
        ).baseline()
      })
    })
  }
}
