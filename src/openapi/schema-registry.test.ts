import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { z } from 'zod'
import { SchemaRegistry } from './schema-registry.ts'

const input = { io: 'input', context: 'Ctx' } as const
const output = { io: 'output', context: 'Ctx' } as const

describe('SchemaRegistry', () => {
  it('strips $schema and keeps an anonymous schema inline', () => {
    const registry = new SchemaRegistry()
    const schema = registry.fromStandard(z.object({ q: z.string() }), input)
    assert.deepEqual(schema, {
      type: 'object',
      properties: { q: { type: 'string' } },
      required: ['q'],
    })
    assert.equal(registry.components(), undefined)
  })

  it('turns a schema with .meta({ id }) into a named component referenced by $ref', () => {
    const registry = new SchemaRegistry()
    const User = z.object({ id: z.number() }).meta({ id: 'User' })
    assert.deepEqual(registry.fromStandard(User, output), { $ref: '#/components/schemas/User' })
    const components = registry.components()!
    assert.deepEqual(Object.keys(components), ['User'])
    assert.equal(components.User!.$schema, undefined)
    assert.equal(components.User!.type, 'object')
  })

  it('hoists nested $defs and rewrites every $ref to components', () => {
    const registry = new SchemaRegistry()
    const Tag = z.object({ label: z.string() }).meta({ id: 'Tag' })
    const Post = z.object({ title: z.string(), tags: z.array(Tag) }).meta({ id: 'Post' })
    const schema = registry.fromStandard(z.object({ posts: z.array(Post), pinned: Tag }), output)
    assert.deepEqual(schema.properties, {
      posts: { type: 'array', items: { $ref: '#/components/schemas/Post' } },
      pinned: { $ref: '#/components/schemas/Tag' },
    })
    assert.equal(schema.$defs, undefined)
    const components = registry.components()!
    assert.deepEqual((components.Post!.properties as any).tags.items, {
      $ref: '#/components/schemas/Tag',
    })
  })

  it('hoists $defs nested inside other $defs (JSON Schema from any generator)', () => {
    const registry = new SchemaRegistry()
    const schema = registry.fromJsonSchema(
      {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        $ref: '#/$defs/Outer',
        $defs: {
          Outer: {
            type: 'object',
            properties: { inner: { $ref: '#/$defs/Outer/$defs/Inner' } },
            $defs: { Inner: { type: 'string', $schema: 'x' } },
          },
        },
      },
      output,
    )
    assert.deepEqual(schema, { $ref: '#/components/schemas/Outer' })
    assert.deepEqual(registry.components(), {
      Inner: { type: 'string' },
      Outer: { type: 'object', properties: { inner: { $ref: '#/components/schemas/Inner' } } },
    })
  })

  it('makes an anonymous recursive schema a component, since "#" would mean the whole document', () => {
    type Node = { name: string; children: Node[] }
    const Node: z.ZodType<Node> = z.object({
      name: z.string(),
      get children() {
        return z.array(Node)
      },
    })
    const registry = new SchemaRegistry()
    const schema = registry.fromStandard(Node, { io: 'output', context: 'GetTreeResponse' })
    assert.deepEqual(schema, { $ref: '#/components/schemas/GetTreeResponse' })
    const component = registry.components()!.GetTreeResponse!
    assert.deepEqual((component.properties as any).children.items, {
      $ref: '#/components/schemas/GetTreeResponse',
    })
  })

  it('names definitions Zod extracts itself (__schema0) after the context', () => {
    type Cat = { name: string; sub: Cat[] }
    const Cat: z.ZodType<Cat> = z.object({
      name: z.string(),
      get sub() {
        return z.array(Cat)
      },
    })
    const registry = new SchemaRegistry()
    const schema = registry.fromStandard(z.object({ a: Cat, b: Cat }), {
      io: 'input',
      context: 'ListCatsBody',
    })
    assert.deepEqual((schema.properties as any).a, {
      $ref: '#/components/schemas/ListCatsBodySchema0',
    })
    assert.deepEqual(Object.keys(registry.components()!), ['ListCatsBodySchema0'])
  })

  it('shares one component between identical schemas', () => {
    const registry = new SchemaRegistry()
    const Sort = z.enum(['asc', 'desc']).meta({ id: 'Sort' })
    registry.fromStandard(z.object({ sort: Sort }), input)
    registry.fromStandard(z.object({ order: Sort }), output)
    assert.deepEqual(Object.keys(registry.components()!), ['Sort'])
  })

  it('names the request and response variants of one model UserInput / UserOutput when they differ', () => {
    const registry = new SchemaRegistry()
    const User = z.object({ name: z.string() }).meta({ id: 'User' })
    assert.deepEqual(registry.fromStandard(User, input), { $ref: '#/components/schemas/User' })
    assert.deepEqual(registry.fromStandard(User, output), {
      $ref: '#/components/schemas/UserOutput',
    })
    // The same variant again is the same component, not a third one.
    assert.deepEqual(registry.fromStandard(User, output), {
      $ref: '#/components/schemas/UserOutput',
    })
    assert.equal(registry.components()!.UserOutput!.additionalProperties, false)
    assert.equal(registry.components()!.User!.additionalProperties, undefined)
  })

  it('numbers two different schemas that claim the same name', () => {
    const registry = new SchemaRegistry()
    const first = z.object({ a: z.string() }).meta({ id: 'Same' })
    const second = z.object({ b: z.number() }).meta({ id: 'Same' })
    assert.deepEqual(registry.fromStandard(first, input), { $ref: '#/components/schemas/Same' })
    assert.deepEqual(registry.fromStandard(second, input), { $ref: '#/components/schemas/Same2' })
    assert.deepEqual(Object.keys(registry.components()!), ['Same', 'Same2'])
  })

  it('does not merge wrappers that look alike but reference different models', () => {
    const registry = new SchemaRegistry()
    const wrap = (inner: z.ZodType) => z.object({ item: inner }).meta({ id: 'Wrapper' })
    registry.fromStandard(wrap(z.object({ a: z.string() }).meta({ id: 'Item' })), input)
    registry.fromStandard(wrap(z.object({ b: z.string() }).meta({ id: 'Item' })), input)
    const components = registry.components()!
    assert.deepEqual(Object.keys(components), ['Item', 'Item2', 'Wrapper', 'Wrapper2'])
    assert.deepEqual((components.Wrapper2!.properties as any).item, {
      $ref: '#/components/schemas/Item2',
    })
  })

  it('returns the content of a named root instead of a $ref when asked to inline it', () => {
    const registry = new SchemaRegistry()
    const Paging = z.object({ page: z.number() }).meta({ id: 'Paging' })
    const schema = registry.fromStandard(Paging, { ...input, inlineRoot: true })
    assert.equal(schema.type, 'object')
    assert.equal(registry.components(), undefined)
  })

  it('replaces characters component names may not contain', () => {
    const registry = new SchemaRegistry()
    const schema = registry.fromStandard(z.string().meta({ id: 'my model/v2' }), input)
    assert.deepEqual(schema, { $ref: '#/components/schemas/my_model_v2' })
  })

  it('leaves keys named like keywords inside data and property names alone', () => {
    const registry = new SchemaRegistry()
    const schema = registry.fromJsonSchema(
      {
        type: 'object',
        properties: { $ref: { type: 'string' }, $defs: { type: 'number' } },
        example: { $ref: '#/$defs/NotARef' },
      },
      input,
    )
    assert.deepEqual(Object.keys(schema.properties as object), ['$ref', '$defs'])
    assert.deepEqual(schema.example, { $ref: '#/$defs/NotARef' })
    assert.equal(registry.components(), undefined)
  })

  it('documents schemas without a JSON Schema form as {} instead of failing', () => {
    const registry = new SchemaRegistry()
    const noJsonSchema = {
      '~standard': { version: 1, vendor: 'x', validate: (v: unknown) => ({ value: v }) },
    }
    assert.deepEqual(registry.fromStandard(noJsonSchema as any, input), {})
    assert.deepEqual(registry.fromStandard(z.date(), input), {})
    assert.deepEqual(registry.fromJsonSchema({ default: () => 1 }, input), {})
    assert.equal(registry.components(), undefined)
  })

  it('defines fixed components once and follows $refs to them', () => {
    const registry = new SchemaRegistry()
    const ref = registry.define('Error', { type: 'object' })
    assert.deepEqual(registry.define('Error', { type: 'object' }), ref)
    assert.deepEqual(registry.resolve(ref), { type: 'object' })
  })
})
