-- A staff table whose logins are made of its columns (mapping.yaml: format).
CREATE TABLE staff (
    staff_id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    last_name VARCHAR(40) NOT NULL,
    first_name VARCHAR(40) NOT NULL,
    site VARCHAR(20) NOT NULL,
    badge INT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE INDEX staff_name ON staff (last_name, first_name);
INSERT INTO staff (staff_id, last_name, first_name, site, badge) VALUES
    (1, 'Facello', 'Georgi', ' Paris ', 42),
    (2, 'Fac', 'elloGeorgi', 'Lyon', 7),
    (3, 'O''Brien', 'Sean', 'Cork', 3),
    (4, 'Smith', 'John', 'NYC', 7);
