// Prepared statements kept per SQL text, so hot reads (every bundle request) never recompile SQL. No other state.
import type Database from 'better-sqlite3'

export class StatementCache {
  readonly #db: Database.Database
  readonly #statements = new Map<string, Database.Statement>()

  constructor(db: Database.Database) {
    this.#db = db
  }

  get<P extends unknown[] = unknown[], R = unknown>(sql: string): Database.Statement<P, R> {
    let statement = this.#statements.get(sql)
    if (statement === undefined) {
      statement = this.#db.prepare(sql)
      this.#statements.set(sql, statement)
    }
    return statement as unknown as Database.Statement<P, R>
  }
}
