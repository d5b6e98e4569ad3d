/**
 * The built-in user, group and permission models (Django's `contrib.auth`), shipped with their
 * migrations in `./migrations/` as the module `auth`.
 *
 * A project that wants other columns on its users spreads {@link userFields} into its own model
 * (in its own module, with its own migrations) and passes it as `createAuth({ userModel })`; the
 * shipped `User` table then simply stays empty. Groups and permissions are shared by both.
 */
import { defineModel, field, type Instance, type InstanceMethods, type Row } from '../orm/index.ts'

/**
 * A permission: `<module>.<codename>`, e.g. `app.change_product`. `view`, `add`, `change` and
 * `delete` exist for every model once {@link syncPermissions} ran; add your own the same way.
 */
export const Permission = defineModel(
  'Permission',
  {
    name: field.string({ maxLength: 255 }),
    /** The module (app label) of the model it is about, or of the custom permission. */
    module: field.string({ maxLength: 100 }),
    /** The model's name, e.g. `Product` ('' for permissions not tied to a model). */
    model: field.string({ maxLength: 100, blank: true, default: '' }),
    codename: field.string({ maxLength: 100 }),
  },
  {
    module: 'auth',
    table: 'plinth_auth_permission',
    ordering: ['module', 'model', 'codename'],
    constraints: [
      {
        type: 'unique',
        name: 'plinth_auth_permission_module_codename',
        fields: ['module', 'codename'],
      },
    ],
  },
)

/** A named set of permissions; a user has the permissions of all their groups. */
export const Group = defineModel(
  'Group',
  {
    name: field.string({ maxLength: 150, unique: true }),
    permissions: field.manyToMany(() => Permission, { blank: true, relatedName: 'groups' }),
  },
  { module: 'auth', table: 'plinth_auth_group', ordering: ['name'] },
)

const USERNAME = /^[\p{L}\p{N}.@+_-]+$/u

/**
 * The fields of a user, to spread into a custom user model.
 *
 * @example
 * const Member = defineModel('Member', { ...userFields(), nickname: field.string({ maxLength: 40 }) },
 *   { module: 'shop', table: 'shop_member' })
 * const auth = createAuth({ userModel: Member })
 */
export function userFields() {
  return {
    username: field.string({
      maxLength: 150,
      unique: true,
      helpText: 'Letters, digits and @ . + - _ only.',
      validators: [
        (value: string) =>
          USERNAME.test(value) ? undefined : 'Use only letters, digits and @ . + - _.',
      ],
    }),
    email: field.email({ maxLength: 254, blank: true, default: '' }),
    firstName: field.string({ maxLength: 150, blank: true, default: '' }),
    lastName: field.string({ maxLength: 150, blank: true, default: '' }),
    /** A PHC hash string, or '!' plus random characters for accounts that cannot log in with one. */
    password: field.string({ maxLength: 255, editable: false }),
    isActive: field.boolean({ default: true }),
    /** May log in to the admin. */
    isStaff: field.boolean({ default: false }),
    /** Has every permission without it being granted. */
    isSuperuser: field.boolean({ default: false }),
    lastLogin: field.datetime({ null: true, editable: false }),
    dateJoined: field.datetime({ autoNowAdd: true }),
    groups: field.manyToMany(() => Group, { blank: true }),
    userPermissions: field.manyToMany(() => Permission, { blank: true }),
  }
}

/** The built-in user model (table `plinth_auth_user`). */
export const User = defineModel('User', userFields(), {
  module: 'auth',
  table: 'plinth_auth_user',
  ordering: ['username'],
})

/**
 * A user as the auth layer hands it out: the fields of {@link userFields} plus the instance
 * methods (`save`, `related`…), whichever user model the app uses.
 */
export type UserRow = Row<typeof User> & InstanceMethods<any>
/** A user instance (save(), related managers). */
export type UserInstance = Instance<typeof User>
