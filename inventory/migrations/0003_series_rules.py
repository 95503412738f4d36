"""The series rules table (inventory.SeriesRule), loaded from inventory/data/series_rules.csv."""

import django.db.models.deletion
from django.db import migrations, models


def load_series_rules(apps, schema_editor):
    """One rule per product of the catalogue, from its CVX code's row of series_rules.csv (the
    dose volume from the product's own)."""
    from inventory.catalogue import series_rule_rows

    Product = apps.get_model("inventory", "Product")
    SeriesRule = apps.get_model("inventory", "SeriesRule")
    rows = series_rule_rows()
    products = list(Product.objects.all())
    for product in products:
        row = rows.get(product.cvx)
        if row is None or SeriesRule.objects.filter(product=product).exists():
            continue
        fields = {key: value for key, value in row.items() if key != "completes_cvx"}
        rule = SeriesRule.objects.create(product=product, dose_volume_ml=product.dose_volume_ml, **fields)
        rule.completes.set([other for other in products if other.cvx in row["completes_cvx"]])



class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0002_catalogue_and_append_only_ledger'),
    ]

    operations = [
        migrations.CreateModel(
            name='SeriesRule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('vaccine', models.CharField(default='COVID-19', help_text='Doses against other diseases are a series apart.', max_length=40, verbose_name='vaccine against')),
                ('primary_doses', models.PositiveSmallIntegerField(default=1, verbose_name='doses in the primary series')),
                ('min_interval_days', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='minimum interval between primary doses (days)')),
                ('recommended_interval_days', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='recommended interval between primary doses (days)')),
                ('min_age_months', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='minimum age (months)')),
                ('max_age_months', models.PositiveSmallIntegerField(blank=True, help_text='The person must be younger than this.', null=True, verbose_name='maximum age (months)')),
                ('dose_volume_ml', models.DecimalField(blank=True, decimal_places=3, max_digits=5, null=True, verbose_name='dose volume (mL)')),
                ('booster_interval_days', models.PositiveSmallIntegerField(blank=True, help_text='Blank: no booster.', null=True, verbose_name='booster after the primary series (days)')),
                ('grace_days', models.PositiveSmallIntegerField(default=4, verbose_name='grace period (days)')),
                ('notes', models.TextField(blank=True, verbose_name='source and notes')),
                ('completes', models.ManyToManyField(blank=True, help_text='Products of another CVX code whose series a dose of this product may complete.', related_name='+', to='inventory.product', verbose_name='may complete a series started with')),
                ('product', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='series_rule', to='inventory.product')),
            ],
            options={
                'ordering': ['product__name', 'product__ndc'],
                'constraints': [models.CheckConstraint(condition=models.Q(('primary_doses__gte', 1)), name='seriesrule_primary_at_least_one'), models.CheckConstraint(condition=models.Q(('recommended_interval_days__isnull', True), ('min_interval_days__isnull', True), ('recommended_interval_days__gte', models.F('min_interval_days')), _connector='OR'), name='seriesrule_recommended_not_before_minimum'), models.CheckConstraint(condition=models.Q(('max_age_months__isnull', True), ('min_age_months__isnull', True), ('max_age_months__gt', models.F('min_age_months')), _connector='OR'), name='seriesrule_max_age_above_min_age')],
            },
        ),
        migrations.RunPython(load_series_rules, migrations.RunPython.noop),
    ]
