from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render

from .models import FundingSource
from .services import funding_summary


@login_required
@permission_required("funding.view_fundingsource", raise_exception=True)
def funding_list(request):
    sources = FundingSource.objects.annotate(
        enrolled=Count("coverages", filter=~Q(coverages__status="cancelled"))
    )
    return render(request, "funding/fundingsource_list.html", {"sources": sources})


@login_required
@permission_required("funding.view_fundingsource", raise_exception=True)
def funding_detail(request, code):
    funding = get_object_or_404(FundingSource, code=code)
    return render(request, "funding/fundingsource_detail.html", {"funding": funding, "summary": funding_summary(funding)})
