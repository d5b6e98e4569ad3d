import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { z } from 'zod'
import { compileSerializer } from './serializer.ts'
import { toJsonSchema } from './standard-schema.ts'

const serializerFor = (schema: z.ZodType) => compileSerializer(toJsonSchema(schema, 'output')!)

describe('compileSerializer', () => {
  it('writes only declared properties (no leaked fields)', () => {
    const write = serializerFor(z.object({ id: z.number(), name: z.string() }))
    assert.equal(write({ id: 1, name: 'Lamp', passwordHash: 'secret' }), '{"id":1,"name":"Lamp"}')
  })

  it('produces the same text as JSON.stringify for well-formed values', () => {
    const schema = z.object({
      id: z.number().int(),
      name: z.string(),
      price: z.number(),
      active: z.boolean(),
      tags: z.array(z.string()),
      dims: z.object({ w: z.number(), h: z.number() }),
      note: z.string().nullable(),
      maybe: z.string().optional(),
    })
    const value = {
      id: 7,
      name: 'Quote " and \\ and \n and \u2028 and é',
      price: 12.5,
      active: false,
      tags: ['a', '<b>'],
      dims: { w: 1, h: 2 },
      note: null,
      maybe: undefined,
    }
    assert.equal(serializerFor(schema)(value), JSON.stringify(value))
  })

  it('writes null for non-finite numbers like JSON.stringify', () => {
    const write = serializerFor(z.object({ n: z.number() }))
    assert.equal(write({ n: Number.NaN }), '{"n":null}')
  })

  it('falls back to JSON.stringify for values that do not match the schema shape', () => {
    const write = serializerFor(z.object({ items: z.array(z.number()) }))
    assert.equal(write({ items: 'oops' }), '{"items":"oops"}')
    assert.equal(write(null), 'null')
    assert.equal(write([1]), '[1]')
  })

  it('honours toJSON (dates) through the fallback', () => {
    const write = serializerFor(z.object({ at: z.string() }))
    const at = new Date(0)
    assert.equal(write({ at }), JSON.stringify({ at }))
  })

  it('filters what toJSON returns, so objects with their own JSON form leak nothing either', () => {
    class Record {
      toJSON() {
        return { id: 1, name: 'Ada', passwordHash: 'scrypt$…', at: new Date(0) }
      }
    }
    const write = serializerFor(z.object({ id: z.number(), name: z.string(), at: z.string() }))
    assert.equal(write(new Record()), '{"id":1,"name":"Ada","at":"1970-01-01T00:00:00.000Z"}')
  })

  it('serializes arrays of objects and recursive schemas', () => {
    type Node = { name: string; children: Node[] }
    const NodeSchema: z.ZodType<Node> = z.object({
      name: z.string(),
      get children() {
        return z.array(NodeSchema)
      },
    })
    const write = serializerFor(z.array(NodeSchema))
    const tree = [{ name: 'a', children: [{ name: 'b', children: [], extra: 1 }] }]
    assert.equal(write(tree), '[{"name":"a","children":[{"name":"b","children":[]}]}]')
  })

  it('leaves open objects (records, passthrough) to JSON.stringify', () => {
    const write = serializerFor(z.record(z.string(), z.number()))
    assert.equal(write({ a: 1, b: 2 }), '{"a":1,"b":2}')
  })
})

describe('compileSerializer edge cases', () => {
  it('writes a declared "__proto__" property as an own key without touching prototypes', () => {
    const write = compileSerializer(
      JSON.parse(
        '{"type":"object","properties":{"__proto__":{"type":"object","properties":{"a":{"type":"number"}}},"b":{"type":"number"}}}',
      ),
    )
    const value = JSON.parse('{"__proto__":{"a":1,"x":2},"b":3,"c":4}')
    assert.equal(write(value), '{"__proto__":{"a":1},"b":3}')
  })

  it('filters the same way where code generation is disabled', async () => {
    const { execFile } = await import('node:child_process')
    const script = `
      import { compileSerializer } from 'plinth/validation'
      const write = compileSerializer({ type: 'array', items: { type: 'object', properties: { id: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } } } } })
      const own = { toJSON: () => ({ id: 2, secret: 'y', tags: [] }) }
      process.stdout.write(write([{ id: 1, secret: 'x', tags: ['a'] }, own]))
    `
    const output = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [
          '--disallow-code-generation-from-strings',
          '--conditions=plinth-source',
          '--input-type=module',
          '-e',
          script,
        ],
        (error, stdout, stderr) => (error ? reject(new Error(stderr)) : resolve(stdout)),
      )
    })
    assert.equal(output, '[{"id":1,"tags":["a"]},{"id":2,"tags":[]}]')
  })
})
