/**
 * The syntax tree of a template: what the parser builds and the compiler turns into JavaScript.
 * Every node carries the line it starts on, for error messages.
 */

export type Expr =
  | { kind: 'const'; value: unknown; line: number }
  | { kind: 'name'; name: string; line: number }
  | { kind: 'list'; items: Expr[]; line: number }
  | { kind: 'tuple'; items: Expr[]; line: number }
  | { kind: 'dict'; items: Array<[Expr, Expr]>; line: number }
  | { kind: 'getattr'; obj: Expr; attr: string; line: number }
  | { kind: 'getitem'; obj: Expr; key: Expr; line: number }
  | { kind: 'slice'; obj: Expr; start?: Expr; stop?: Expr; step?: Expr; line: number }
  | ({ kind: 'call'; callee: Expr; line: number } & Args)
  | ({ kind: 'filter'; node: Expr; name: string; line: number; column: number } & Args)
  | ({
      kind: 'test'
      node: Expr
      name: string
      negated: boolean
      line: number
      column: number
    } & Args)
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr; line: number }
  | { kind: 'unary'; op: 'not' | '-' | '+'; operand: Expr; line: number }
  | { kind: 'and' | 'or'; left: Expr; right: Expr; line: number }
  | { kind: 'compare'; first: Expr; ops: Array<[CompareOp, Expr]>; line: number }
  | { kind: 'cond'; test: Expr; yes: Expr; no?: Expr; line: number }

export type BinaryOp = '+' | '-' | '*' | '/' | '//' | '%' | '**' | '~'
export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in'

/** Arguments of a call, filter or test. */
export interface Args {
  args: Expr[]
  kwargs: Array<[string, Expr]>
  star?: Expr
  starstar?: Expr
}

/** An assignment target: a name, a tuple of targets, or `namespace.attr`. */
export type Target =
  | { kind: 'name'; name: string }
  | { kind: 'tuple'; items: Target[] }
  | { kind: 'nsattr'; name: string; attr: string }

export interface MacroParam {
  name: string
  default?: Expr
}

export type Node =
  | { kind: 'text'; value: string; line: number }
  | { kind: 'output'; expr: Expr; line: number }
  | {
      kind: 'if'
      branches: Array<{ test: Expr; body: Node[] }>
      otherwise?: Node[]
      line: number
    }
  | {
      kind: 'for'
      target: Target
      iter: Expr
      filter?: Expr
      recursive: boolean
      body: Node[]
      otherwise?: Node[]
      line: number
    }
  | { kind: 'set'; target: Target; value: Expr; line: number }
  | { kind: 'setblock'; name: string; filters: FilterCall[]; body: Node[]; line: number }
  | { kind: 'with'; assignments: Array<[Target, Expr]>; body: Node[]; line: number }
  | {
      kind: 'block'
      name: string
      scoped: boolean
      required: boolean
      body: Node[]
      line: number
    }
  | { kind: 'extends'; template: Expr; line: number }
  | {
      kind: 'include'
      template: Expr
      ignoreMissing: boolean
      withContext: boolean
      line: number
    }
  | { kind: 'import'; template: Expr; as: string; withContext: boolean; line: number }
  | {
      kind: 'fromimport'
      template: Expr
      names: Array<[string, string]>
      withContext: boolean
      line: number
    }
  | { kind: 'macro'; name: string; params: MacroParam[]; body: Node[]; line: number }
  | {
      kind: 'callblock'
      call: Extract<Expr, { kind: 'call' }>
      params: MacroParam[]
      body: Node[]
      line: number
    }
  | { kind: 'filterblock'; filters: FilterCall[]; body: Node[]; line: number }
  | { kind: 'tag'; name: string; args: Args; line: number }
  | { kind: 'loopcontrol'; which: 'break' | 'continue'; line: number }

/** A filter in a `filter` block or `set … |` (applied to the rendered body). */
export interface FilterCall extends Args {
  name: string
  line: number
  column: number
}
