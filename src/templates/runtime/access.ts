/**
 * Safe lookups for `a.b`, `a[b]` and `a[1:3]` in compiled templates.
 *
 * Templates see data, never the host: `constructor`, `__proto__`, `prototype` and the other
 * legacy accessors are never reachable, and neither are the methods of JavaScript's built-in
 * prototypes (`'x'.constructor`, `[].map`, `({}).toString`, `Date#setTime`). What a template can
 * reach is what was handed in: own properties, entries of `Map`s, and getters and methods of the
 * application's own classes (bound to their object). Strings, mappings and lists offer Python's
 * methods instead (`python-methods.ts`), because templates are written against Jinja2.
 *
 * As in Jinja2, `a.b` looks for an attribute then an item, `a[b]` for an item then (for a string
 * key) an attribute; a miss is an Undefined made by the caller's `makeUndefined` (so strict mode
 * can raise), and looking into an Undefined raises `UndefinedError` with its hint.
 */
import { Buffer } from 'node:buffer'
import { EventEmitter } from 'node:events'
import { SafeString } from './markup.ts'
import { pyMethod } from './python-methods.ts'
import { Undefined, UndefinedError } from './undefined.ts'
import {
  isPlainObject,
  isString,
  isUndefined,
  objectTypeRepr,
  repr,
  strText,
  undefinedHint,
  valueError,
} from './values.ts'

/** Makes the Undefined for a failed lookup (the runtime's, so strict mode can raise). */
export type MakeUndefined = (hint: string | (() => string)) => Undefined

const plainUndefined: MakeUndefined = (hint) => new Undefined(hint)

/** Names a template can never read, on any value: the ways from data to the host's code. */
export const BLOCKED_NAMES: ReadonlySet<string> = new Set([
  'constructor',
  '__proto__',
  'prototype',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
  'caller',
  'callee',
  'arguments',
])

const typedArrayProto = Object.getPrototypeOf(Uint8Array.prototype) as object
const iteratorProto = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())) as object

/** Prototypes whose methods are JavaScript's or Node's, not the application's. */
const BUILTIN_PROTOTYPES = new Set<object>([
  Object.prototype,
  Function.prototype,
  Array.prototype,
  String.prototype,
  Number.prototype,
  Boolean.prototype,
  Symbol.prototype,
  BigInt.prototype,
  Date.prototype,
  RegExp.prototype,
  Map.prototype,
  Set.prototype,
  WeakMap.prototype,
  WeakSet.prototype,
  Promise.prototype,
  Error.prototype,
  ArrayBuffer.prototype,
  SharedArrayBuffer.prototype,
  DataView.prototype,
  typedArrayProto,
  iteratorProto,
  Buffer.prototype,
  EventEmitter.prototype,
])
const nativeCache = new WeakMap<object, boolean>()

/** A prototype of the platform: listed above, or one whose constructor is native code. */
function isBuiltinPrototype(proto: object): boolean {
  if (BUILTIN_PROTOTYPES.has(proto)) return true
  let native = nativeCache.get(proto)
  if (native === undefined) {
    const ctor = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value
    native =
      typeof ctor === 'function' &&
      /\{\s*\[native code\]\s*\}$/.test(Function.prototype.toString.call(ctor))
    nativeCache.set(proto, native)
  }
  return native
}

const MISSING: unique symbol = Symbol('missing')

/** Function values come back bound, so `user.greet()` runs with `this` as in JavaScript. */
function bindTo(value: unknown, obj: object): unknown {
  return typeof value === 'function' ? value.bind(obj) : value
}

/** Resolves `{0.attr}` and `{0[key]}` inside `str.format` with these same rules. */
function formatLookup(obj: unknown, key: string | number, attr: boolean): unknown {
  return attr ? getattr(obj, String(key)) : getitem(obj, key)
}

/** The attribute `name` of a defined, non-null value, or MISSING. */
function attribute(obj: unknown, name: string): unknown {
  if (BLOCKED_NAMES.has(name)) return MISSING
  if (typeof obj !== 'object' && typeof obj !== 'function') {
    return isString(obj) ? (pyMethod(obj, name, formatLookup) ?? MISSING) : MISSING
  }
  const target = obj as object
  if (Array.isArray(target)) {
    // Extra properties of a list made by the engine (`groupby`'s `grouper` and `list`).
    if (Object.hasOwn(target, name) && name !== 'length' && !/^\d+$/.test(name))
      return bindTo((target as unknown as Record<string, unknown>)[name], target)
    return pyMethod(target, name, formatLookup) ?? MISSING
  }
  if (target instanceof SafeString) return pyMethod(target, name, formatLookup) ?? MISSING
  if (target instanceof Map) {
    if (target.has(name)) return target.get(name)
    return pyMethod(target, name, formatLookup) ?? MISSING
  }
  if (typeof target === 'function') {
    // A function's own data (`helper.version`), not its `name`, `length` or `prototype`.
    const enumerable = Object.prototype.propertyIsEnumerable.call(target, name)
    return enumerable
      ? bindTo((target as unknown as Record<string, unknown>)[name], target)
      : MISSING
  }
  if (Object.hasOwn(target, name)) return bindTo((target as Record<string, unknown>)[name], target)
  if (isPlainObject(target)) return pyMethod(target, name, formatLookup) ?? MISSING
  for (
    let p = Object.getPrototypeOf(target);
    p && !isBuiltinPrototype(p);
    p = Object.getPrototypeOf(p)
  ) {
    const desc = Object.getOwnPropertyDescriptor(p, name)
    if (!desc) continue
    if (desc.get) return bindTo(desc.get.call(target), target)
    return 'value' in desc ? bindTo(desc.value, target) : MISSING
  }
  return MISSING
}

/**
 * `obj.name` as Jinja2 resolves it: an own property, a `Map` entry, a getter or method of the
 * application's class, or a Python method of a string, mapping or list. A miss is
 * `makeUndefined("'dict object' has no attribute 'x'")`; an attribute of an Undefined throws.
 */
export function getattr(obj: unknown, name: string, makeUndefined = plainUndefined): unknown {
  if (isUndefined(obj)) throw new UndefinedError(undefinedHint(obj))
  const found = obj === null ? MISSING : attribute(obj, name)
  if (found !== MISSING) return found
  return makeUndefined(() => `${repr(objectTypeRepr(obj))} has no attribute ${repr(name)}`)
}

/** An integral index (booleans count as 0 and 1, as in Python), or undefined. */
function index(key: unknown): number | undefined {
  if (typeof key === 'number') return Number.isInteger(key) ? key : undefined
  if (typeof key === 'boolean' || typeof key === 'bigint') return Number(key)
  return undefined
}

/** The `i`th code point of a string (negative from the end), or undefined. */
function charAt(text: string, i: number): string | undefined {
  if (!/[\uD800-\uDFFF]/.test(text)) return text[i < 0 ? i + text.length : i]
  const chars = [...text]
  return chars[i < 0 ? i + chars.length : i]
}

/**
 * `obj[key]` as Jinja2 resolves it: list and string positions (negative from the end), mapping
 * keys (a number stands for its string form in a plain object), `Map` keys; then, for a string
 * key, an attribute. A miss is `makeUndefined('list object has no element 9')`.
 */
export function getitem(obj: unknown, key: unknown, makeUndefined = plainUndefined): unknown {
  if (isUndefined(obj)) throw new UndefinedError(undefinedHint(obj))
  const k = key instanceof SafeString ? key.value : key
  const blocked = typeof k === 'string' && BLOCKED_NAMES.has(k)
  const i = index(k)
  if (Array.isArray(obj)) {
    if (i !== undefined) {
      const at = i < 0 ? i + obj.length : i
      if (at >= 0 && at < obj.length) return obj[at]
    }
  } else if (isString(obj)) {
    const c = i === undefined ? undefined : charAt(strText(obj), i)
    if (c !== undefined) return obj instanceof SafeString ? new SafeString(c) : c
  } else if (obj instanceof Map) {
    if (obj.has(k)) return obj.get(k)
  } else if (isPlainObject(obj) && !blocked && (typeof k === 'string' || typeof k === 'number')) {
    const name = String(k)
    if (Object.hasOwn(obj, name)) return obj[name]
  }
  if (typeof k === 'string') {
    const found = obj === null ? MISSING : attribute(obj, k)
    if (found !== MISSING) return found
    return makeUndefined(() => `${repr(objectTypeRepr(obj))} has no attribute ${repr(k)}`)
  }
  return makeUndefined(() => `${objectTypeRepr(obj)} has no element ${repr(key)}`)
}

/** A slice bound: an integer, or `null` for "from the edge"; `undefined` when not an integer. */
function bound(value: unknown): number | null | undefined {
  if (value === null || value === undefined) return null
  return index(value)
}

/**
 * `obj[start:stop:step]` on a list or string with Python's rules (negative positions count from
 * the end, bounds clamp, `[::-1]` reverses). A zero step is a ValueError; slicing anything else,
 * or with bounds that are not integers, is an Undefined (Jinja2 swallows the TypeError).
 */
export function slice(
  obj: unknown,
  start: unknown,
  stop: unknown,
  step: unknown,
  makeUndefined = plainUndefined,
): unknown {
  if (isUndefined(obj)) throw new UndefinedError(undefinedHint(obj))
  const a = bound(start)
  const b = bound(stop)
  const s = bound(step) ?? 1
  if (s === 0) throw valueError('slice step cannot be zero')
  const sliceable = Array.isArray(obj) || isString(obj)
  if (!sliceable || a === undefined || b === undefined || bound(step) === undefined) {
    const text = [start, stop, step].map((v) => (v === undefined || v === null ? 'None' : repr(v)))
    return makeUndefined(`${objectTypeRepr(obj)} has no element slice(${text.join(', ')})`)
  }
  const text = isString(obj) ? strText(obj) : undefined
  if (text !== undefined && s === 1 && !/[\uD800-\uDFFF]/.test(text)) {
    const out = text.slice(...range(text.length, a, b, 1))
    return obj instanceof SafeString ? new SafeString(out) : out
  }
  const items: unknown[] = text === undefined ? (obj as unknown[]) : [...text]
  const [from, to] = range(items.length, a, b, s)
  const out: unknown[] = []
  for (let i = from; s > 0 ? i < to : i > to; i += s) out.push(items[i])
  if (text === undefined) return out
  const joined = out.join('')
  return obj instanceof SafeString ? new SafeString(joined) : joined
}

/** Python's `slice.indices`: clamped start and stop for a sequence of `length` items. */
function range(length: number, start: number | null, stop: number | null, step: number) {
  const lower = step > 0 ? 0 : -1
  const upper = step > 0 ? length : length - 1
  const fix = (v: number | null, fallback: number) => {
    if (v === null) return fallback
    const at = v < 0 ? v + length : v
    return at < lower ? lower : at > upper ? upper : at
  }
  return [fix(start, step > 0 ? lower : upper), fix(stop, step > 0 ? upper : lower)] as const
}
