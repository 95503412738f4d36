"""Operators configure teams and routing rules here (agents work in the help portal)."""

from django.contrib import admin

from helpdesk.models import Article, Case, RequesterProfile, RoutingRule, Team, TrainingSession


class RoutingRuleInline(admin.TabularInline):
    model = RoutingRule
    extra = 1


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "is_default"]
    filter_horizontal = ["members"]
    inlines = [RoutingRuleInline]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["category", "county", "organization_kind", "team", "position"]
    list_filter = ["category", "team"]


@admin.register(RequesterProfile)
class RequesterProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "registration_code", "organization", "must_change_password", "created_at"]
    search_fields = ["user__email", "registration_code"]
    raw_id_fields = ["user", "organization"]


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["pk", "subject", "category", "priority", "status", "team", "created_at"]
    list_filter = ["status", "category", "team"]
    search_fields = ["subject", "requester__email"]
    raw_id_fields = ["requester", "assignee", "organization", "location", "county"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "language", "is_published"]
    list_filter = ["category", "language", "is_published"]
    search_fields = ["title"]


@admin.register(TrainingSession)
class TrainingSessionAdmin(admin.ModelAdmin):
    list_display = ["topic", "starts_at", "duration_minutes"]
