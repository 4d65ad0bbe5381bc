// docs/openapi.yaml is `guestd openapi` checked in: this fails when someone changes the endpoint table and
// forgets to regenerate it (`build/.../guestd openapi > docs/openapi.yaml`).
#include "api/endpoints.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace guestd::api {
namespace {

TEST(OpenApiDocument, CheckedInCopyIsCurrent) {
    std::ifstream in(std::string(GUESTD_SOURCE_DIR) + "/docs/openapi.yaml");
    ASSERT_TRUE(in) << "docs/openapi.yaml is missing";
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_TRUE(text.str() == openapi_document())
        << "docs/openapi.yaml is stale: regenerate it with `guestd openapi > docs/openapi.yaml`";
}

TEST(OpenApiDocument, ListsEveryEndpointOfTheTable) {
    const auto& doc = openapi_document();
    for (const auto& ep : endpoints())
        EXPECT_NE(doc.find("\"" + std::string(ep.path) + "\":"), std::string::npos) << ep.path;
}

}  // namespace
}  // namespace guestd::api
