package handlers

import (
	"github.com/labstack/echo/v4"
)

// routes registers every route. Each line below is one group with its guard;
// a new area of the app is one more line here and a method like these.
//
// The authorization test (TestEveryRouteIsScoped) walks e.Routes() and fails
// for any route it does not know, so a new route must be added there too.
func (h *app) routes(e *echo.Echo) {
	h.publicRoutes(e)
	h.siteRoutes(e.Group("/sites", h.requireUser))
	h.editorialRoutes(e.Group("/sites", h.requireUser))
	h.runRoutes(e.Group("/runs", h.requireUser))
	h.contentRoutes(e.Group("/content", h.requireUser))
	h.accountRoutes(e.Group("/account", h.requireUser))
	h.adminRoutes(e.Group("/admin", h.requireUser, h.requireAdmin))
	h.apiRoutes(e.Group("/api/v1", h.requireToken, h.checkJSON))
}

// publicRoutes need no session.
func (h *app) publicRoutes(e *echo.Echo) {
	e.GET("/", h.home)
	e.GET("/login", h.loginPage)
	e.POST("/login", h.login)
	e.POST("/logout", h.logout)
	e.GET("/healthz", h.healthz)
	e.GET("/readyz", h.readyz)
	// Never public: served here only with a token (else not at all, or on
	// METRICS_ADDR).
	if h.MetricsToken != "" {
		e.GET("/metrics", echo.WrapHandler(MetricsHandler(h.Registry, h.MetricsToken)))
	}
	e.GET("/static/*", h.static)
	// What the local publishing target wrote: the sites' public pages.
	e.GET("/p/*", h.publishedPages())
}

// siteRoutes are the pages of one account's sites (/sites/...).
func (h *app) siteRoutes(g *echo.Group) {
	g.GET("", h.sites)
	g.GET("/new", h.siteNewPage)
	g.POST("/new", h.siteCreate)
	g.GET("/:site", h.siteDashboard)
	g.GET("/:site/edit", h.siteEditPage)
	g.POST("/:site/edit", h.siteUpdate)
	g.GET("/:site/keywords", h.keywords)
	g.POST("/:site/keywords", h.keywordsImport)
	g.POST("/:site/keywords/requeue", h.keywordsRequeue)
	g.GET("/:site/ai-budget", h.aiBudgetPage)
	g.POST("/:site/ai-budget", h.aiBudgetSave)
	g.POST("/:site/ai-budget/preview", h.aiBudgetPreview)
	g.GET("/:site/runs", h.runsList)
	g.POST("/:site/runs", h.runStart)
	g.GET("/:site/automation", h.automationSettings)
	g.POST("/:site/automation", h.automationSave)
	g.GET("/:site/writing", h.writingPage)
	g.POST("/:site/writing", h.writingSave)
	g.GET("/:site/content", h.contentList)
	g.POST("/:site/content/retry-failed", h.contentRetryFailed)
	g.GET("/:site/publishing", h.publishingPage)
	g.POST("/:site/publishing", h.publishingSave)
	g.POST("/:site/publishing/preview", h.publishingPreview)
	g.POST("/:site/publishing/test", h.publishingTest)
	g.GET("/:site/calendar", h.calendar)
}

// editorialRoutes are a site's pipeline tables, its review queue and bulk
// review (/sites/...).
func (h *app) editorialRoutes(g *echo.Group) {
	for _, t := range pipelineTables {
		g.GET("/:site/"+t.Path, h.pipelineList(t))
	}
	g.GET("/:site/clusters/:cluster", h.clusterEditPage)
	g.POST("/:site/clusters/:cluster", h.clusterSave)
	g.POST("/:site/clusters/:cluster/move", h.clusterMove)
	g.GET("/:site/ideas/:idea", h.ideaEditPage)
	g.POST("/:site/ideas/:idea", h.ideaSave)
	g.POST("/:site/ideas/:idea/delete", h.ideaDelete)
	g.POST("/:site/tasks/:task/skip", h.taskAction(true))
	g.POST("/:site/tasks/:task/requeue", h.taskAction(false))
	g.GET("/:site/image-prompts/:prompt", h.promptEditPage)
	g.POST("/:site/image-prompts/:prompt", h.promptSave)
	g.GET("/:site/review", h.reviewQueue)
	g.POST("/:site/content/bulk", h.contentBulk)
}

// runRoutes are the pages of one run (/runs/...).
func (h *app) runRoutes(g *echo.Group) {
	g.GET("/:run", h.runDetail)
	g.GET("/:run/progress", h.runDetail)
	g.GET("/:run/log.txt", h.runLog)
	for verb := range runTransitions {
		g.POST("/:run/"+verb, h.runAction(verb))
	}
}

// contentRoutes are one article's pages and actions (/content/...); the
// article must belong to the user's account.
func (h *app) contentRoutes(g *echo.Group) {
	g.GET("/:content", h.contentPreview)
	g.GET("/:content/edit", h.contentEditPage)
	g.POST("/:content/edit", h.contentSave)
	g.GET("/:content/revisions", h.contentRevisions)
	g.POST("/:content/revisions/:number/restore", h.contentRestore)
	g.GET("/:content/images/:image", h.contentImage)
	g.POST("/:content/regenerate", h.contentRegenerate)
	g.GET("/:content/regenerations", h.contentRegenerations)
	g.POST("/:content/regenerations/:job/cancel", h.contentRegenCancel)
	g.POST("/:content/:action", h.contentAction)
}

// accountRoutes are the signed-in user's account pages (/account/...).
func (h *app) accountRoutes(g *echo.Group) {
	g.GET("", h.account)
	g.POST("/tokens", h.tokenCreate)
	g.POST("/tokens/:token/revoke", h.tokenRevoke)
	g.POST("/password", h.passwordChange)
	g.POST("/timezone", h.timezoneSave)
	g.GET("/credits", h.accountCredits)
}

// adminRoutes are for instance admins; everyone else gets 404 (/admin/...).
func (h *app) adminRoutes(g *echo.Group) {
	g.GET("/accounts", h.adminAccounts)
	g.POST("/accounts/:account/grant", h.adminGrant)
	g.GET("/credit-costs", h.adminCreditCosts)
	g.POST("/credit-costs", h.adminCreditCostsSave)
}

// apiRoutes are the JSON API, authenticated by bearer token (/api/v1/...).
func (h *app) apiRoutes(g *echo.Group) {
	g.GET("/sites", h.apiSites)
	g.POST("/sites/:site/keywords", h.apiKeywordsImport)
	g.GET("/sites/:site/pipeline", h.apiPipeline)
	g.GET("/sites/:site/ai-budget", h.apiAIBudgetGet)
	g.PUT("/sites/:site/ai-budget", h.apiAIBudgetPut)
	g.POST("/sites/:site/runs", h.apiRunStart)
	g.GET("/sites/:site/automation/config", h.apiAutomationConfigGet)
	g.PUT("/sites/:site/automation/config", h.apiAutomationConfigPut)
	g.GET("/runs/:run", h.apiRunGet)
	for verb := range runTransitions {
		g.POST("/runs/:run/"+verb, h.apiRunAction(verb))
	}
	g.GET("/sites/:site/writing", h.apiWritingGet)
	g.PUT("/sites/:site/writing", h.apiWritingPut)
	g.GET("/content/:content", h.apiContentGet)
	g.PUT("/content/:content", h.apiContentPut)
	g.POST("/content/:content/regenerate", h.apiContentRegenerate)
	g.GET("/regenerations/:job", h.apiRegenerationGet)
	g.POST("/regenerations/:job/cancel", h.apiRegenerationCancel)
	g.POST("/sites/:site/content/bulk", h.apiContentBulk)
	g.GET("/sites/:site/publishing", h.apiPublishing)
	g.PUT("/sites/:site/publishing", h.apiPublishingUpdate)
	g.POST("/sites/:site/content/retry-failed", h.apiRetryFailed)
}
