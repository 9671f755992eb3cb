<?php
// Router for PHP's built-in server: uploaded media live under WP_CONTENT_DIR
// (/var/lib/wordpress/wp-content), outside the document root; other existing
// files and directories are served (or run) as they are, and every other
// path goes to index.php, as pretty permalinks need.
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
if (strncmp($path, '/wp-content/uploads/', 20) === 0 && strpos($path, '..') === false) {
	$file = '/var/lib/wordpress' . $path;
	if (is_file($file)) {
		header('Content-Type: ' . mime_content_type($file));
		header('Content-Length: ' . filesize($file));
		readfile($file);
		return true;
	}
}
$file = $_SERVER['DOCUMENT_ROOT'] . $path;
if ($path !== '/' && (is_file($file) || is_file(rtrim($file, '/') . '/index.php'))) {
	return false;
}
// The SEO plugins' fields the tests publish to, opened to the REST API as
// docs/publishing.md tells WordPress owners to (a must-use plugin there; a
// hook registered before WordPress loads here, since the test site has no
// plugin directory of its own).
function autopress_register_seo_meta() {
	foreach (array('_yoast_wpseo_title', '_yoast_wpseo_metadesc', 'rank_math_title', 'rank_math_description') as $key) {
		register_post_meta('post', $key, array(
			'show_in_rest'  => true,
			'single'        => true,
			'type'          => 'string',
			'auth_callback' => function () { return current_user_can('edit_posts'); },
		));
	}
}
$GLOBALS['wp_filter']['init'][10]['autopress_register_seo_meta'] = array('function' => 'autopress_register_seo_meta', 'accepted_args' => 0);

$_SERVER['SCRIPT_NAME'] = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = $_SERVER['DOCUMENT_ROOT'] . '/index.php';
$_SERVER['PHP_SELF'] = '/index.php';
require $_SERVER['DOCUMENT_ROOT'] . '/index.php';
