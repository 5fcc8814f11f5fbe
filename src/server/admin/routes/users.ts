/** Users (admin only) and API tokens (each user their own; admins all). */
import { randomUUID } from 'node:crypto';
import type { Role } from '../../../store/types.js';
import { hashPassword, passwordProblem, randomPassword } from '../../auth/password.js';
import { newApiToken, hashSecret } from '../../auth/tokens.js';
import { USERNAME_PATTERN } from '../../auth/users.js';
import { ApiError, defineRoute, notFound, type AnyRoute } from '../route.js';
import { arr, idParams, obj, okSchema, roleSchema, tokenSchema, userSchema } from '../schemas.js';
import { publicUser } from './auth.js';

/** The user and token routes. */
export const userRoutes: AnyRoute[] = [
  defineRoute({
    method: 'GET',
    url: '/users',
    access: 'admin',
    summary: 'Every console user.',
    tag: 'users',
    schema: { response: { 200: arr(userSchema) } },
    async handler({ ctx }) {
      return (await ctx.store.listUsers()).map(publicUser);
    },
  }),
  defineRoute<Record<string, never>, Record<string, never>, { username: string; role: Role; password?: string }>({
    method: 'POST',
    url: '/users',
    access: 'admin',
    summary: 'Create a user. Without a password, a one-time password is generated, returned once, and must be changed at first sign-in.',
    tag: 'users',
    schema: {
      body: obj({ username: { type: 'string', pattern: USERNAME_PATTERN }, role: roleSchema, password: { type: 'string', maxLength: 1024 } }, ['password']),
      response: { 201: obj({ user: userSchema, oneTimePassword: { type: 'string' } }, ['oneTimePassword']) },
    },
    async handler({ body, ctx, reply, audit }) {
      if (await ctx.store.getUser(body.username)) throw new ApiError(409, 'exists', `user "${body.username}" already exists`);
      const oneTime = body.password === undefined;
      const password = body.password ?? randomPassword();
      const problem = passwordProblem(password);
      if (problem) throw new ApiError(400, 'weak_password', `password: ${problem}`);
      const user = await ctx.store.createUser({ username: body.username, role: body.role, passwordHash: await hashPassword(password), mustChangePassword: oneTime });
      await audit('user.create', `user:${user.username}`, { role: user.role });
      reply.code(201);
      return { user: publicUser(user), ...(oneTime ? { oneTimePassword: password } : {}) };
    },
  }),
  defineRoute<{ id: string }, Record<string, never>, { role?: Role; disabled?: boolean; resetPassword?: boolean }>({
    method: 'PUT',
    url: '/users/:id',
    access: 'admin',
    summary: 'Change a user\'s role, disable or enable them, or reset their password to a one-time password (returned once).',
    tag: 'users',
    schema: {
      params: idParams,
      body: obj({ role: roleSchema, disabled: { type: 'boolean' }, resetPassword: { type: 'boolean' } }, ['role', 'disabled', 'resetPassword']),
      response: { 200: obj({ user: userSchema, oneTimePassword: { type: 'string' } }, ['oneTimePassword']) },
    },
    async handler({ params, body, ctx, principal, audit }) {
      const user = await ctx.store.getUser(params.id);
      if (!user) throw notFound(`user ${params.id}`);
      const self = user.id === principal!.user.id;
      // An admin cannot lock themselves out; another admin must do it, so one admin always remains.
      if (self && (body.disabled === true || (body.role && body.role !== 'admin'))) throw new ApiError(409, 'self_lockout', 'you cannot demote or disable yourself; ask another admin');
      const patch: { role?: Role; disabled?: boolean; passwordHash?: string; mustChangePassword?: boolean } = {};
      if (body.role) patch.role = body.role;
      if (body.disabled !== undefined) patch.disabled = body.disabled;
      let oneTimePassword: string | undefined;
      if (body.resetPassword) {
        oneTimePassword = randomPassword();
        patch.passwordHash = await hashPassword(oneTimePassword);
        patch.mustChangePassword = true;
      }
      await ctx.store.updateUser(user.id, patch);
      const ended = body.resetPassword ? await ctx.auth.endOtherCredentials(user.id, principal) : null;
      await audit('user.update', `user:${user.username}`, {
        ...(ended ? { endedSessions: ended.sessions, revokedTokens: ended.tokens } : {}),
        ...(body.role ? { role: { from: user.role, to: body.role } } : {}),
        ...(body.disabled !== undefined ? { disabled: body.disabled } : {}),
        ...(body.resetPassword ? { resetPassword: true } : {}),
      });
      const updated = (await ctx.store.getUser(user.id))!;
      return { user: publicUser(updated), ...(oneTimePassword ? { oneTimePassword } : {}) };
    },
  }),
  defineRoute<Record<string, never>, { all?: boolean }>({
    method: 'GET',
    url: '/tokens',
    access: 'viewer',
    summary: 'My API tokens (admins: everyone\'s with `all=true`). Token values are never shown again.',
    tag: 'tokens',
    schema: { querystring: obj({ all: { type: 'boolean' } }, ['all']), response: { 200: arr(tokenSchema) } },
    async handler({ query, ctx, principal }) {
      const me = principal!.user;
      const all = query.all === true && me.role === 'admin';
      const [tokens, users] = await Promise.all([ctx.store.listApiTokens(all ? undefined : me.id), ctx.store.listUsers()]);
      const names = new Map(users.map((u) => [u.id, u.username]));
      return tokens.map((t) => ({ id: t.id, userId: t.userId, username: names.get(t.userId) ?? '?', name: t.name, createdAt: t.createdAt, lastUsedAt: t.lastUsedAt, revoked: t.revoked }));
    },
  }),
  defineRoute<Record<string, never>, Record<string, never>, { name: string }>({
    method: 'POST',
    url: '/tokens',
    access: 'viewer',
    summary: 'Create an API token for me, acting with my role. The token is in this response only; only its hash is kept.',
    tag: 'tokens',
    schema: {
      body: obj({ name: { type: 'string', minLength: 1, maxLength: 100 } }),
      response: { 201: obj({ id: { type: 'string' }, name: { type: 'string' }, token: { type: 'string' }, createdAt: { type: 'string', format: 'date-time' } }) },
    },
    async handler({ body, ctx, principal, reply, audit }) {
      const token = newApiToken();
      const id = `tok_${randomUUID()}`;
      const createdAt = new Date().toISOString();
      await ctx.store.createApiToken({ id, userId: principal!.user.id, name: body.name, tokenHash: hashSecret(token), createdAt });
      await audit('token.create', `token:${id}`, { name: body.name });
      reply.code(201);
      return { id, name: body.name, token, createdAt };
    },
  }),
  defineRoute<{ id: string }>({
    method: 'DELETE',
    url: '/tokens/:id',
    access: 'viewer',
    summary: 'Revoke an API token (my own; admins any).',
    tag: 'tokens',
    schema: { params: idParams, response: { 200: okSchema } },
    async handler({ params, ctx, principal, audit }) {
      const me = principal!.user;
      const mine = await ctx.store.listApiTokens(me.role === 'admin' ? undefined : me.id);
      if (!mine.some((t) => t.id === params.id)) throw notFound(`token ${params.id}`);
      await ctx.store.revokeApiToken(params.id);
      await audit('token.revoke', `token:${params.id}`);
      return { ok: true };
    },
  }),
];
