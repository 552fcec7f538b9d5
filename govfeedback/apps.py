from django.contrib.admin.apps import AdminConfig


class GovAdminConfig(AdminConfig):
    default_site = "govfeedback.admin.GovAdminSite"
