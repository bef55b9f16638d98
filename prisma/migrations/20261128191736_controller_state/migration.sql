-- CreateTable
CREATE TABLE "ControllerState" (
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ControllerState_pkey" PRIMARY KEY ("key")
);
