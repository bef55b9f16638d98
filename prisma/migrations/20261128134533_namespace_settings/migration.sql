-- CreateTable
CREATE TABLE "NamespaceSetting" (
    "namespace" TEXT NOT NULL,
    "autoApply" BOOLEAN NOT NULL DEFAULT false,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    "updatedBy" TEXT NOT NULL,

    CONSTRAINT "NamespaceSetting_pkey" PRIMARY KEY ("namespace")
);
