-- The four plans of the original product (inventory §1.2). NULL limits mean unlimited.
INSERT INTO "Plan" ("id", "name", "displayName", "sortOrder", "recordingsPerMonth", "storageGb", "concurrentPipelines",
                    "automationJobs", "minAutomationIntervalHours", "transcriptionMinutesPerMonth", "templates",
                    "credentials", "priceMonthly", "priceYearly", "updatedAt")
VALUES
  (gen_random_uuid(), 'free',       'Free',       0, 10,   5,    1,  0,    NULL, 600,   5,    3,    0,  0,   now()),
  (gen_random_uuid(), 'plus',       'Plus',       1, 50,   25,   2,  3,    6,    3000,  20,   10,   10, 100, now()),
  (gen_random_uuid(), 'pro',        'Pro',        2, 200,  100,  5,  10,   1,    12000, 100,  50,   30, 300, now()),
  (gen_random_uuid(), 'enterprise', 'Enterprise', 3, NULL, NULL, 10, NULL, 1,    NULL,  NULL, NULL, 0,  0,   now())
ON CONFLICT ("name") DO NOTHING;
