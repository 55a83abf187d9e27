-- The quickstart app's tables on MySQL/MariaDB, for the conformance suite.
CREATE TABLE users (
    id              BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    -- utf8mb4_unicode_ci ignores case, so this unique key is the case-insensitive userName
    -- uniqueness SCIM wants, and the agent's check-exists lookup uses it.
    user_name       VARCHAR(255) NOT NULL,
    first_name      VARCHAR(255),
    last_name       VARCHAR(255),
    email           VARCHAR(255),
    secondary_email VARCHAR(255),
    mobile          VARCHAR(64),
    active          TINYINT NOT NULL DEFAULT 1,
    password_hash   VARCHAR(255),
    department      VARCHAR(255),
    is_admin        TINYINT(1),
    is_okta         TINYINT(1),
    updated_at      DATETIME(6),
    created_at      DATETIME(6),
    UNIQUE KEY users_user_name (user_name),
    KEY users_updated_at (updated_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE `groups` (
    id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name        VARCHAR(255) NOT NULL,
    description TEXT,
    updated_at  DATETIME(6),
    created_at  DATETIME(6),
    UNIQUE KEY groups_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE group_members (
    group_id BIGINT NOT NULL,
    user_id  BIGINT NOT NULL,
    PRIMARY KEY (group_id, user_id),
    KEY group_members_user (user_id),
    FOREIGN KEY (group_id) REFERENCES `groups` (id) ON DELETE CASCADE,
    FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
