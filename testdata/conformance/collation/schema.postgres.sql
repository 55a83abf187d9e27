-- Logins compared byte by byte, as an application with a case-sensitive collation keeps them.
CREATE TABLE accounts (
    id SERIAL PRIMARY KEY,
    login VARCHAR(64) COLLATE "C" NOT NULL,
    nick VARCHAR(64) COLLATE "C",
    pw VARCHAR(255),
    pw_salt VARCHAR(64),
    login_key VARCHAR(64)
);
CREATE UNIQUE INDEX accounts_login ON accounts (login);
INSERT INTO accounts (login, nick) VALUES ('ada', 'Ada');
