export function openSchemaEngine(adapterFactory: unknown, schemaPath: string): Promise<{
  applyMigrations(input: { migrationsList: unknown; filters: unknown }): Promise<{ appliedMigrationNames: string[] }>;
  diagnoseMigrationHistory(input: { migrationsList: unknown; optInToShadowDatabase: boolean; filters: unknown }): Promise<{
    editedMigrationNames: string[];
    failedMigrationNames: string[];
    hasMigrationsTable: boolean;
    history: unknown;
  }>;
  diff(input: unknown): Promise<{ exitCode: number; stdout: string | null }>;
  free(): void;
}>;
export function migrationList(migrationsDir: string): unknown;
export const noFilters: { externalTables: string[]; externalEnums: string[] };
