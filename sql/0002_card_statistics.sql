-- Card verifications per minute, CA profile and result ("OK" or the refusal's error code),
-- summed over every server instance: the admin dashboard (issue 16 item 4). Each instance
-- counts in memory and adds its counts here every few seconds; rows older than
-- retention.keepCardStatisticsSeconds are purged.
CREATE TABLE card_statistics (
    minute_start BIGINT NOT NULL,
    ca TEXT NOT NULL,
    result_code TEXT NOT NULL,
    hits BIGINT NOT NULL,
    CONSTRAINT card_statistics_pk PRIMARY KEY (minute_start, ca, result_code)
);
