-- CreateTable
CREATE TABLE "SigninFailure" (
    "id" BIGSERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SigninFailure_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SigninFailure_key_at_idx" ON "SigninFailure"("key", "at");

-- CreateIndex
CREATE INDEX "SigninFailure_at_idx" ON "SigninFailure"("at");
