import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, SqliteDialect } from 'kysely';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { InlineLimitsPlugin, limitSql } from '../../src/store/sqlite/inline-limits.js';

interface Db {
  jobs: { id: string; run_at: string };
}

function kysely(): { db: Kysely<Db>; raw: BetterSqlite3.Database } {
  const raw = new BetterSqlite3(':memory:');
  raw.exec('create table jobs (id text primary key, run_at text)');
  return { raw, db: new Kysely<Db>({ dialect: new SqliteDialect({ database: raw }), plugins: [new InlineLimitsPlugin()] }) };
}

describe('LIMITs on SQLite are written into the SQL, not bound', () => {
  it('writes a builder limit in as an integer, leaving other values bound', async () => {
    const { db, raw } = kysely();
    const compiled = db.selectFrom('jobs').select('id').where('run_at', '<=', '2026').orderBy('id').limit(5).compile();
    expect(compiled.sql).toMatch(/limit 5$/);
    expect(compiled.parameters).toEqual(['2026']);
    raw.exec(`insert into jobs values ('a', '2020'), ('b', '2021'), ('c', '2030')`);
    expect(await db.selectFrom('jobs').select('id').where('run_at', '<=', '2026').orderBy('id').limit(1).execute()).toEqual([{ id: 'a' }]);
    await db.destroy();
  });

  it('writes in a limit nested in a subquery, and leaves a query without one as it was', () => {
    const { db } = kysely();
    const nested = db.selectFrom('jobs').select('id').where('id', 'in', db.selectFrom('jobs').select('id').where('run_at', '<=', '2026').limit(3)).compile();
    expect(nested.sql).toMatch(/limit 3\)/);
    expect(nested.parameters).toEqual(['2026']);
    const plain = db.selectFrom('jobs').select('id').where('run_at', '<=', '2026');
    expect(plain.compile().sql).toBe(db.withoutPlugins().selectFrom('jobs').select('id').where('run_at', '<=', '2026').compile().sql);
  });

  it('refuses a limit that is not a non-negative integer instead of writing it into the SQL', () => {
    const { db } = kysely();
    expect(() => db.selectFrom('jobs').select('id').limit(1.5).compile()).toThrow(/non-negative integer/);
    expect(() => db.selectFrom('jobs').select('id').limit('1; drop table jobs' as unknown as number).compile()).toThrow(/non-negative integer/);
    expect(() => limitSql(-1)).toThrow(/non-negative integer/);
  });

  it('raw SQL in the SQLite store binds no LIMIT (every `limit ${…}` goes through limitSql)', () => {
    // A bound LIMIT makes SQLite prepare the statement again on every run; raw templates bypass the plugin.
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) {
          if (name !== 'postgres') walk(p);
        } else if (p.endsWith('.ts')) files.push(p);
      }
    };
    walk('src/store');
    const bound = files.flatMap((f) => readFileSync(f, 'utf8').split('\n').map((line, i) => ({ f, i, line })).filter(({ line }) => /limit \$\{(?!limitSql\()/i.test(line)));
    expect(bound.map(({ f, i, line }) => `${f}:${i + 1}: ${line.trim()}`)).toEqual([]);
  });
});
