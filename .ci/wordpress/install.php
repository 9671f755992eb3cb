<?php
/*
 * Installs the test WordPress, idempotently: the site, pretty permalinks, and
 * the users autopress's tests publish as, each with a known application
 * password. Run as `php install.php`; prints the users as JSON. Several test
 * binaries may run it at once: a lock file serialises them.
 *
 * Users:
 *   autopress-editor    Editor role: may also create categories and tags.
 *   autopress-author    Author role: may publish posts and upload media.
 *   autopress-noupload  may publish posts but not upload media.
 */
$lock = fopen(sys_get_temp_dir() . '/autopress-wordpress-install.lock', 'c');
flock($lock, LOCK_EX);

$_SERVER['HTTP_HOST'] = '127.0.0.1';
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
define('WP_INSTALLING', true);
// No mail from a test install (wp_install tells the admin).
function wp_mail() { return true; }
require '/usr/share/wordpress/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/user.php';

if (!is_blog_installed()) {
	$r = wp_install('autopress test', 'admin', 'admin@example.com', false, '', wp_generate_password(24));
	if (is_wp_error($r)) {
		fwrite(STDERR, "wp_install: " . $r->get_error_message() . "\n");
		exit(1);
	}
}
if (get_option('permalink_structure') !== '/%postname%/') {
	update_option('permalink_structure', '/%postname%/');
	flush_rewrite_rules(false);
}

if (!get_role('autopress_noupload')) {
	$caps = get_role('author')->capabilities;
	unset($caps['upload_files']);
	add_role('autopress_noupload', 'Author without uploads', $caps);
}

$users = array(
	array('login' => 'autopress-editor', 'role' => 'editor', 'password' => 'autopressEditorPass00001'),
	array('login' => 'autopress-author', 'role' => 'author', 'password' => 'autopressAuthorPass00001'),
	array('login' => 'autopress-noupload', 'role' => 'autopress_noupload', 'password' => 'autopressNoUploadPass001'),
);
$out = array();
foreach ($users as $u) {
	$user = get_user_by('login', $u['login']);
	if (!$user) {
		$id = wp_insert_user(array(
			'user_login' => $u['login'],
			'user_pass'  => wp_generate_password(24),
			'user_email' => $u['login'] . '@example.com',
			'role'       => $u['role'],
		));
		if (is_wp_error($id)) {
			fwrite(STDERR, "wp_insert_user: " . $id->get_error_message() . "\n");
			exit(1);
		}
		$user = get_user_by('id', $id);
	}
	$user->set_role($u['role']);
	// A known application password, so tests need no state from here; the
	// hash is what create_new_application_password would store.
	$have = false;
	foreach (WP_Application_Passwords::get_user_application_passwords($user->ID) as $item) {
		if (wp_check_password($u['password'], $item['password'], $user->ID)) {
			$have = true;
		}
	}
	if (!$have) {
		$items = WP_Application_Passwords::get_user_application_passwords($user->ID);
		$items[] = array(
			'uuid' => wp_generate_uuid4(), 'app_id' => '', 'name' => 'autopress tests',
			'password' => wp_hash_password($u['password']), 'created' => time(),
			'last_used' => null, 'last_ip' => null,
		);
		update_user_meta($user->ID, WP_Application_Passwords::USERMETA_KEY_APPLICATION_PASSWORDS, $items);
		update_network_option(get_main_network_id(), WP_Application_Passwords::OPTION_KEY_IN_USE, true);
	}
	$out[] = array('username' => $u['login'], 'application_password' => $u['password'], 'role' => $u['role']);
}
echo json_encode(array('version' => get_bloginfo('version'), 'users' => $out)), "\n";
