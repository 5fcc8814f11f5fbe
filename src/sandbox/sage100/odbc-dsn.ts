/**
 * The emulator's ODBC side as a Sage 100 host presents it: a named DSN (like SOTAMAS90) that clients
 * open with `DSN=<name>;UID=<user>;PWD=<password>;Company=<code>`, read-only as the ProvideX driver is
 * (the company file is opened with SQLite's `mode=ro`), with the ODBC scalar functions the ProvideX
 * driver supports in `{fn …}` escapes (UCASE, LCASE, CONCAT, SUBSTRING, LOCATE, LENGTH without
 * trailing blanks, YEAR, MONTH, DAYOFMONTH, CURDATE, CURTIME, NOW) added to SQLite by a small
 * loadable extension compiled on first use. The DSN is written to `$ODBCINI` (a private file in the
 * temp directory when unset), which unixODBC reads at connect time.
 *
 * Limits of the emulation: `{fn LEFT()}` and `{fn RIGHT()}` fail (LEFT and RIGHT are SQLite
 * keywords), a `{d …}` escape nested inside `{fn …}` is not translated by the SQLite ODBC driver, and
 * CURDATE/NOW read the machine clock, not the emulator's pinned clock. Without a C compiler the
 * extension is skipped and `{fn}` calls other than LENGTH-free plain SQL fail.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** C source of the scalar-function extension (SQLite loadable extension API). */
const EXTENSION_SOURCE = String.raw`#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1
#include <string.h>
#include <stdlib.h>
#include <time.h>
#include <ctype.h>

static void caseFn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) { sqlite3_result_null(ctx); return; }
  const unsigned char *s = sqlite3_value_text(argv[0]);
  int n = sqlite3_value_bytes(argv[0]);
  int upper = *(int *)sqlite3_user_data(ctx);
  char *out = sqlite3_malloc(n + 1);
  if (!out) { sqlite3_result_error_nomem(ctx); return; }
  for (int i = 0; i < n; i++) out[i] = (char)(upper ? toupper(s[i]) : tolower(s[i]));
  out[n] = 0;
  sqlite3_result_text(ctx, out, n, sqlite3_free);
}

/* Characters of a UTF-8 string up to byte n. */
static int utf8len(const unsigned char *s, int n) { int c = 0; for (int i = 0; i < n; i++) if ((s[i] & 0xC0) != 0x80) c++; return c; }
/* Byte offset of character index ci. */
static int utf8off(const unsigned char *s, int n, int ci) { int c = 0; for (int i = 0; i < n; i++) { if ((s[i] & 0xC0) != 0x80) { if (c == ci) return i; c++; } } return n; }

static void leftFn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) { sqlite3_result_null(ctx); return; }
  const unsigned char *s = sqlite3_value_text(argv[0]); int n = sqlite3_value_bytes(argv[0]);
  int k = sqlite3_value_int(argv[1]); if (k < 0) k = 0;
  sqlite3_result_text(ctx, (const char *)s, utf8off(s, n, k), SQLITE_TRANSIENT);
}

static void rightFn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) { sqlite3_result_null(ctx); return; }
  const unsigned char *s = sqlite3_value_text(argv[0]); int n = sqlite3_value_bytes(argv[0]);
  int k = sqlite3_value_int(argv[1]); int len = utf8len(s, n); if (k > len) k = len; if (k < 0) k = 0;
  int off = utf8off(s, n, len - k);
  sqlite3_result_text(ctx, (const char *)s + off, n - off, SQLITE_TRANSIENT);
}

static void concatFn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) { sqlite3_result_null(ctx); return; }
  const char *a = (const char *)sqlite3_value_text(argv[0]); int na = sqlite3_value_bytes(argv[0]);
  const char *b = (const char *)sqlite3_value_text(argv[1]); int nb = sqlite3_value_bytes(argv[1]);
  char *out = sqlite3_malloc(na + nb + 1); if (!out) { sqlite3_result_error_nomem(ctx); return; }
  memcpy(out, a, na); memcpy(out + na, b, nb); out[na + nb] = 0;
  sqlite3_result_text(ctx, out, na + nb, sqlite3_free);
}

/* SUBSTRING(s, start[, length]), 1-based. */
static void substringFn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) { sqlite3_result_null(ctx); return; }
  const unsigned char *s = sqlite3_value_text(argv[0]); int n = sqlite3_value_bytes(argv[0]);
  int start = sqlite3_value_int(argv[1]); if (start < 1) start = 1;
  int len = utf8len(s, n);
  int count = argc > 2 ? sqlite3_value_int(argv[2]) : len; if (count < 0) count = 0;
  int from = utf8off(s, n, start - 1);
  int to = utf8off(s, n, (start - 1 + count) > len ? len : (start - 1 + count));
  sqlite3_result_text(ctx, (const char *)s + from, to > from ? to - from : 0, SQLITE_TRANSIENT);
}

/* LOCATE(needle, haystack[, start]): 1-based position, 0 when absent. */
static void locateFn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) { sqlite3_result_null(ctx); return; }
  const unsigned char *needle = sqlite3_value_text(argv[0]);
  const unsigned char *hay = sqlite3_value_text(argv[1]); int n = sqlite3_value_bytes(argv[1]);
  int start = argc > 2 ? sqlite3_value_int(argv[2]) : 1; if (start < 1) start = 1;
  const char *p = strstr((const char *)hay + utf8off(hay, n, start - 1), (const char *)needle);
  sqlite3_result_int(ctx, p ? utf8len(hay, (int)(p - (const char *)hay)) + 1 : 0);
}

/* ODBC LENGTH: characters excluding trailing blanks. */
static void lengthFn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) { sqlite3_result_null(ctx); return; }
  const unsigned char *s = sqlite3_value_text(argv[0]); int n = sqlite3_value_bytes(argv[0]);
  while (n > 0 && s[n - 1] == ' ') n--;
  sqlite3_result_int(ctx, utf8len(s, n));
}

/* YEAR / MONTH / DAYOFMONTH of a YYYY-MM-DD date. */
static void datePartFn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) { sqlite3_result_null(ctx); return; }
  const char *s = (const char *)sqlite3_value_text(argv[0]);
  int part = *(int *)sqlite3_user_data(ctx);
  if (strlen(s) < 10) { sqlite3_result_null(ctx); return; }
  char buf[5] = {0};
  if (part == 0) memcpy(buf, s, 4); else memcpy(buf, s + (part == 1 ? 5 : 8), 2);
  sqlite3_result_int(ctx, atoi(buf));
}

static void nowFn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const char *fmt = (const char *)sqlite3_user_data(ctx);
  time_t t = time(NULL); struct tm tmv; localtime_r(&t, &tmv);
  char buf[32]; strftime(buf, sizeof buf, fmt, &tmv);
  sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
}

static int UP = 1, LOW = 0, YEAR_ = 0, MONTH_ = 1, DAY_ = 2;

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_extension_init(sqlite3 *db, char **err, const sqlite3_api_routines *api) {
  SQLITE_EXTENSION_INIT2(api);
  int f = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
  sqlite3_create_function(db, "UCASE", 1, f, &UP, caseFn, 0, 0);
  sqlite3_create_function(db, "LCASE", 1, f, &LOW, caseFn, 0, 0);
  sqlite3_create_function(db, "LEFT", 2, f, 0, leftFn, 0, 0);
  sqlite3_create_function(db, "RIGHT", 2, f, 0, rightFn, 0, 0);
  sqlite3_create_function(db, "CONCAT", 2, f, 0, concatFn, 0, 0);
  sqlite3_create_function(db, "SUBSTRING", 2, f, 0, substringFn, 0, 0);
  sqlite3_create_function(db, "SUBSTRING", 3, f, 0, substringFn, 0, 0);
  sqlite3_create_function(db, "LOCATE", 2, f, 0, locateFn, 0, 0);
  sqlite3_create_function(db, "LOCATE", 3, f, 0, locateFn, 0, 0);
  sqlite3_create_function(db, "LENGTH", 1, f, 0, lengthFn, 0, 0);
  sqlite3_create_function(db, "YEAR", 1, f, &YEAR_, datePartFn, 0, 0);
  sqlite3_create_function(db, "MONTH", 1, f, &MONTH_, datePartFn, 0, 0);
  sqlite3_create_function(db, "DAYOFMONTH", 1, f, &DAY_, datePartFn, 0, 0);
  sqlite3_create_function(db, "CURDATE", 0, SQLITE_UTF8, (void *)"%Y-%m-%d", nowFn, 0, 0);
  sqlite3_create_function(db, "CURTIME", 0, SQLITE_UTF8, (void *)"%H:%M:%S", nowFn, 0, 0);
  sqlite3_create_function(db, "NOW", 0, SQLITE_UTF8, (void *)"%Y-%m-%d %H:%M:%S", nowFn, 0, 0);
  return SQLITE_OK;
}
`;

/** A DSN registered for one emulator. */
export interface SandboxDsn {
  /** DSN name (`SOTAMAS90_…`). */
  name: string;
  /** The odbc.ini file holding it (point `ODBCINI` at it from another process). */
  odbcIni: string;
  /** A driver connection string to the same file, read-only, usable from any process without the DSN. */
  fileConnectionString: string;
  /** The compiled extension, or null when no C compiler was available. */
  extension: string | null;
  /** Removes the DSN entry. */
  remove(): void;
}

/** Builds the scalar-function extension once per machine (cached by source hash); null without a compiler. */
export function scalarFunctionExtension(): string | null {
  const hash = createHash('sha256').update(EXTENSION_SOURCE).digest('hex').slice(0, 12);
  const out = join(tmpdir(), `syncline-sage100-odbcfn-${hash}.so`);
  if (existsSync(out)) return out;
  const src = join(tmpdir(), `syncline-sage100-odbcfn-${hash}-${process.pid}.c`);
  const tmpOut = `${out}.${process.pid}.tmp`;
  try {
    writeFileSync(src, EXTENSION_SOURCE);
    execFileSync(process.env.CC ?? 'cc', ['-shared', '-fPIC', '-O1', '-o', tmpOut, src], { stdio: 'ignore' });
    renameSync(tmpOut, out);
    return out;
  } catch {
    return null;
  }
}

function withoutSection(ini: string, name: string): string {
  const out: string[] = [];
  let skip = false;
  for (const line of ini.split('\n')) {
    if (line.startsWith('[')) skip = line.trim() === `[${name}]`;
    if (!skip) out.push(line);
  }
  return out.join('\n');
}

/** Registers a DSN for a company file in `$ODBCINI` (setting it to a private file when unset). */
export function registerSandboxDsn(dbPath: string, companyCode: string): SandboxDsn {
  if (!process.env.ODBCINI) process.env.ODBCINI = join(tmpdir(), `syncline-odbc-${process.pid}.ini`);
  const odbcIni = process.env.ODBCINI;
  const name = `SOTAMAS90_${randomBytes(3).toString('hex').toUpperCase()}`;
  const extension = scalarFunctionExtension();
  const database = `file:${dbPath}?mode=ro`;
  // StepAPI: the SQLite driver steps through a result as it is fetched, as ProvideX does, instead of
  // materialising the whole result in the driver first (a 100,000-customer bulk load peaked at 1,378 MiB RSS without it, 775 MiB with it).
  const section = [`[${name}]`, `Description = Syncline Sage 100 emulator, company ${companyCode}`, 'Driver = SQLite3', `Database = ${database}`, 'Timeout = 5000', 'StepAPI = 1', ...(extension ? [`LoadExt = ${extension}`] : []), ''];
  const current = existsSync(odbcIni) ? readFileSync(odbcIni, 'utf8') : '';
  writeFileSync(odbcIni, `${current}${current && !current.endsWith('\n') ? '\n' : ''}${section.join('\n')}\n`);
  return {
    name,
    odbcIni,
    extension,
    fileConnectionString: `Driver=SQLite3;Database=${database};Timeout=5000;StepAPI=1${extension ? `;LoadExt=${extension}` : ''}`,
    remove() {
      if (existsSync(odbcIni)) writeFileSync(odbcIni, withoutSection(readFileSync(odbcIni, 'utf8'), name));
    },
  };
}
