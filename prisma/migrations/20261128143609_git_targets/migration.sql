-- CreateTable
CREATE TABLE "GitTarget" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "branch" TEXT NOT NULL,
    "path" TEXT NOT NULL DEFAULT '',
    "mode" TEXT NOT NULL DEFAULT 'commit',
    "authKind" TEXT NOT NULL DEFAULT 'none',
    "secret" TEXT,
    "autoExport" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "GitTarget_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "GitExport" (
    "id" BIGSERIAL NOT NULL,
    "targetId" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "author" TEXT NOT NULL,
    "branch" TEXT NOT NULL,
    "commit" TEXT NOT NULL DEFAULT '',
    "files" JSONB NOT NULL,
    "result" TEXT NOT NULL,
    "message" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "GitExport_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "GitTarget_name_key" ON "GitTarget"("name");

-- CreateIndex
CREATE INDEX "GitExport_targetId_at_idx" ON "GitExport"("targetId", "at");

-- AddForeignKey
ALTER TABLE "GitExport" ADD CONSTRAINT "GitExport_targetId_fkey" FOREIGN KEY ("targetId") REFERENCES "GitTarget"("id") ON DELETE CASCADE ON UPDATE CASCADE;
