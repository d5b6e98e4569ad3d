/**
 * Every model defined in this process, in definition order. Reverse relations (`category.products`)
 * are found by scanning it, since the child model is the one that declares the foreign key.
 */
import type { AnyModel } from './model.ts'

export const modelRegistry: AnyModel[] = []
