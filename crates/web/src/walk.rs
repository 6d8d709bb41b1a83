//! The pages of the phone walk (issue 17): every page of the demo union that a person opens,
//! as paths with `{member}` standing for the signed-in member's own id (the demo user `socio`).
//! Shared by the walk in `tests/browser.rs` (every role, 360 px, Spanish) and by
//! `tequio bench pages` (size and time of each page, every role), so that both cover the
//! same pages. A new page goes here.

/// What `{member}` in a path stands for: the id of the demo member `socio`.
pub const MEMBER_PLACEHOLDER: &str = "{member}";

/// The phone walk's pages, in the order they are walked.
pub fn page_paths() -> &'static [&'static str] {
    PAGES
}

const PAGES: &[&str] = &[
    "/",
    "/cuenta",
    "/reglas",
    "/bitacora",
    "/programa",
    "/activar",
    "/sin-conexion",
    "/pagina-que-no-existe",
    "/odf/alfareros-morelos",
    "/odf/alfareros-morelos/mi-estado",
    "/odf/alfareros-morelos/reportar",
    "/odf/alfareros-morelos/socios",
    "/odf/alfareros-morelos/socios?q=ana",
    "/odf/alfareros-morelos/socios/{member}",
    "/odf/alfareros-morelos/socios/{member}/reporte",
    "/odf/alfareros-morelos/cierre",
    "/odf/alfareros-morelos/fondo",
    "/odf/alfareros-morelos/simulador?amount=15000&rate=18&installments=12&start=2026-01-15",
    "/odf/alfareros-morelos/comercio",
    "/odf/alfareros-morelos/propuestas",
    "/odf/alfareros-morelos/bitacora",
    "/odf/alfareros-morelos/ajustes",
    "/odf/alfareros-morelos/apertura",
    "/odf/alfareros-morelos/planes",
    "/odf/alfareros-morelos/cuentas",
    "/odf/alfareros-morelos/oportunidades",
    "/odf/alfareros-morelos/para-ti",
    "/odf/alfareros-morelos/inventos",
    "/odf/alfareros-morelos/cumplimiento",
    "/odf/alfareros-morelos/resultados",
    "/programa/cumplimiento",
    "/programa/resultados",
    "/programa/proyeccion",
    "/programa/integradoras",
    "/odf/alfareros-morelos/cuotas",
    "/odf/alfareros-morelos/cobranza",
    "/odf/alfareros-morelos/consejo",
    "/odf/alfareros-morelos/socios/{member}/ficha",
    "/odf/alfareros-morelos/socios/{member}/plan",
    "/odf/alfareros-morelos/prestamos",
    "/odf/alfareros-morelos/prestamos/solicitar?amount=15000&installments=12",
    "/odf/alfareros-morelos/prestamos/1",
    "/odf/alfareros-morelos/cartera",
    "/odf/alfareros-morelos/comercio/compras",
    "/odf/alfareros-morelos/comercio/pedir",
    "/odf/alfareros-morelos/comercio/compras/rondas/arcilla-esmalte-2025-03",
    "/odf/alfareros-morelos/comercio/ventas",
    "/odf/alfareros-morelos/comercio/ventas/exportacion-2025-04",
    "/odf/alfareros-morelos/comercio/tiendas",
    // trade18 (issue 18): the member's payout receipt of the demo order's buyer payment.
    "/odf/alfareros-morelos/comercio/ventas/exportacion-2025-04/pagos/transferencia-1/{member}",
    // fund-web (issue 18): the Fund's operations.
    "/odf/alfareros-morelos/fondo/gasto",
    "/odf/alfareros-morelos/fondo/pagos",
    "/odf/alfareros-morelos/fondo/aportaciones",
    "/odf/alfareros-morelos/socios/{member}/retiro",
    // lines-leases (issue 18): leases and the credit line.
    "/odf/alfareros-morelos/arrendamientos",
    "/odf/alfareros-morelos/arrendamientos/nuevo",
    "/odf/alfareros-morelos/arrendamientos/1",
    "/odf/alfareros-morelos/lineas",
    "/odf/alfareros-morelos/lineas/1",
    // support19: the notification outbox and project results (R-INFO-1).
    "/odf/alfareros-morelos/avisos",
    "/odf/alfareros-morelos/experiencias",
    "/programa/experiencias",
];
