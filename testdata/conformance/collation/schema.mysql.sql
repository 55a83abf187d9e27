-- Logins compared byte by byte, as an application with a case-sensitive collation keeps them.
CREATE TABLE accounts (
    id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    login VARCHAR(64) COLLATE utf8mb4_bin NOT NULL,
    nick VARCHAR(64) COLLATE utf8mb4_bin,
    pw VARCHAR(255),
    pw_salt VARCHAR(64),
    login_key VARCHAR(64)
) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE UNIQUE INDEX accounts_login ON accounts (login);
INSERT INTO accounts (login, nick) VALUES ('ada', 'Ada');
