/**
 * What built-in filters and Python methods imply about the value they are applied to, for the
 * typed-context analysis (`walk.ts`): `x|join` loops over `x`, `x|length` needs a size,
 * `x|default(…)` makes `x` optional, `x|sort(attribute='name')` reads `name` of each item.
 * Filters not listed here say nothing about their value (it stays `unknown`).
 */

/**
 * - `default`: the value may be missing; the result is the value.
 * - `sized`: a string, collection or dict (`length`).
 * - `mapping`: a dict (`items`, `dictsort`).
 * - `attr`: the result is the attribute named by the first argument.
 * - the rest loop over the value; the result is the same `items` in a list, one `item`, lists of
 *   items (`chunks`), groups with `.list` (`groups`), an attribute of each item (`map`), or
 *   nothing tracked (`iterate`).
 *
 * `attribute` is where the filter takes an attribute of the items: [position, keyword].
 */
export interface FilterEffect {
  kind:
    | 'default'
    | 'sized'
    | 'mapping'
    | 'attr'
    | 'items'
    | 'item'
    | 'chunks'
    | 'groups'
    | 'map'
    | 'iterate'
  attribute?: [number, string]
}

export const FILTER_EFFECTS: Readonly<Record<string, FilterEffect>> = Object.assign(
  Object.create(null),
  {
    default: { kind: 'default' },
    d: { kind: 'default' },
    length: { kind: 'sized' },
    count: { kind: 'sized' },
    items: { kind: 'mapping' },
    dictsort: { kind: 'mapping' },
    attr: { kind: 'attr' },
    sort: { kind: 'items', attribute: [2, 'attribute'] },
    unique: { kind: 'items', attribute: [1, 'attribute'] },
    selectattr: { kind: 'items', attribute: [0, 'attribute'] },
    rejectattr: { kind: 'items', attribute: [0, 'attribute'] },
    reverse: { kind: 'items' },
    list: { kind: 'items' },
    select: { kind: 'items' },
    reject: { kind: 'items' },
    first: { kind: 'item' },
    last: { kind: 'item' },
    random: { kind: 'item' },
    min: { kind: 'item', attribute: [1, 'attribute'] },
    max: { kind: 'item', attribute: [1, 'attribute'] },
    batch: { kind: 'chunks' },
    slice: { kind: 'chunks' },
    groupby: { kind: 'groups', attribute: [0, 'attribute'] },
    // `map('upper')` names a filter; only the keyword form names an attribute.
    map: { kind: 'map', attribute: [-1, 'attribute'] },
    join: { kind: 'iterate', attribute: [1, 'attribute'] },
    sum: { kind: 'iterate', attribute: [0, 'attribute'] },
  } satisfies Record<string, FilterEffect>,
)

const STRING_METHODS = [
  'upper',
  'lower',
  'title',
  'capitalize',
  'casefold',
  'swapcase',
  'strip',
  'lstrip',
  'rstrip',
  'split',
  'rsplit',
  'splitlines',
  'startswith',
  'endswith',
  'replace',
  'count',
  'find',
  'rfind',
  'index',
  'join',
  'format',
  'center',
  'ljust',
  'rjust',
  'zfill',
  'isdigit',
  'isdecimal',
  'isnumeric',
  'isalpha',
  'isalnum',
  'isspace',
  'isupper',
  'islower',
]

/**
 * The Python methods templates can call on strings, dicts and lists (`runtime/python-methods.ts`):
 * `x.upper()` is not an attribute `x` must have; `x.items()` means `x` is a dict.
 */
export const PYTHON_METHODS: ReadonlyMap<string, 'mapping' | 'any'> = new Map([
  ...STRING_METHODS.map((name) => [name, 'any'] as const),
  ...['items', 'keys', 'values', 'get'].map((name) => [name, 'mapping'] as const),
])
