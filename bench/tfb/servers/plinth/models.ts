/**
 * The two TechEmpower tables as Plinth models. The tables already exist (`bench/tfb/setup.ts`
 * creates and fills them), so the models describe them as they are: explicit integer keys (not
 * generated), the table names TFB uses, and `randomNumber` stored in the column `randomnumber`
 * (PostgreSQL folds TFB's unquoted `randomNumber` to lower case; the ORM's default would be
 * `random_number`).
 */
import { defineModel, field } from 'plinth/orm'

export const World = defineModel(
  'World',
  {
    id: field.integer({ primaryKey: true }),
    randomNumber: field.integer({ column: 'randomnumber' }),
  },
  { table: 'world' },
)

export const Fortune = defineModel(
  'Fortune',
  {
    id: field.integer({ primaryKey: true }),
    message: field.string({ maxLength: 2048 }),
  },
  { table: 'fortune' },
)
