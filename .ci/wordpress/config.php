<?php
/*
 * The test WordPress's configuration, installed by .ci/wordpress-setup as
 * /etc/wordpress/config-127.0.0.1.php (Debian's wp-config.php loads
 * config-<Host header without port>.php). For tests only: loopback, fixed
 * keys, a throw-away database.
 */
define('DB_NAME', 'autopress_wp');
define('DB_USER', 'autopress_wp');
define('DB_PASSWORD', 'autopress_wp');
// 127.0.0.1, not localhost: localhost makes mysqli try the Unix socket.
define('DB_HOST', '127.0.0.1');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
$table_prefix = 'wp_';

define('AUTH_KEY',         'autopress-test-auth-key');
define('SECURE_AUTH_KEY',  'autopress-test-secure-auth-key');
define('LOGGED_IN_KEY',    'autopress-test-logged-in-key');
define('NONCE_KEY',        'autopress-test-nonce-key');
define('AUTH_SALT',        'autopress-test-auth-salt');
define('SECURE_AUTH_SALT', 'autopress-test-secure-auth-salt');
define('LOGGED_IN_SALT',   'autopress-test-logged-in-salt');
define('NONCE_SALT',       'autopress-test-nonce-salt');

// The tests serve WordPress on a random loopback port: its address is the
// one each request came to.
$autopress_host = isset($_SERVER['HTTP_HOST']) ? $_SERVER['HTTP_HOST'] : '127.0.0.1';
define('WP_HOME', 'http://' . $autopress_host);
define('WP_SITEURL', 'http://' . $autopress_host);

// Application passwords over plain HTTP are only offered on "local" sites.
define('WP_ENVIRONMENT_TYPE', 'local');
// PHP's built-in server answers one request at a time by default: no
// loopback requests for cron, no updates.
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_DEBUG', false);
define('WP_CONTENT_DIR', '/var/lib/wordpress/wp-content');
