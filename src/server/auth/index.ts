/** Sign-in, sessions, API tokens and roles for the admin API and the CLI. */
export { Authenticator, type AuthenticatorOptions, type AuthVia, type LoginResult, type Principal } from './authenticator.js';
export { accessGuard, resolvePrincipal, sessionCookieOf, errorBody, SESSION_COOKIE, CSRF_HEADER, type GuardOptions } from './guard.js';
export { hashPassword, verifyPassword, passwordProblem, randomPassword, DEFAULT_SCRYPT, MIN_PASSWORD_LENGTH, type ScryptParams } from './password.js';
export { ROLES, roleAtLeast, isRole, type Role, type RouteAccess } from './roles.js';
export { LoginThrottle, type ThrottleOptions } from './throttle.js';
export { API_TOKEN_PREFIX, newApiToken, hashSecret, randomSecret, safeEqual } from './tokens.js';
export { ensureFirstAdmin, createUser, USERNAME_PATTERN } from './users.js';
